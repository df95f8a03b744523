import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, Observable } from 'rxjs';
import { AuthenticatedRequest } from '../auth/principal';
import { AUDIT_KEY, AuditSpec, notedAuditProject } from './audit.decorator';
import { AuditService } from './audit.service';

const field = (value: unknown, name: string): string | undefined => {
  if (typeof value !== 'object' || value === null || !(name in value)) return undefined;
  const found = (value as Record<string, unknown>)[name];
  return typeof found === 'string' ? found : undefined;
};

/**
 * Writes the audit entry of every route marked `@Audit()` once it has succeeded, before the
 * answer goes out, so that whoever reads the log after the answer finds the entry.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_KEY, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        const principal = request.principal;
        if (!principal) return result;
        const resource =
          spec.resource?.(result, request) ??
          field(result, 'id') ??
          field(result, 'file_id') ??
          field(result, 'task_id') ??
          field(request.params, 'id');
        try {
          await this.audit.record({
            actor: principal,
            action: spec.action,
            resource,
            project: notedAuditProject(request) ?? field(result, 'project') ?? principal.project,
            clientAddress: request.ip ?? request.socket.remoteAddress,
          });
        } catch (error) {
          // The action itself succeeded; the client gets its answer, the operator the error.
          this.logger.error({ msg: `Audit entry lost: ${spec.action}`, resource, error });
        }
        return result;
      }),
    );
  }
}
