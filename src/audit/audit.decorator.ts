import { SetMetadata } from '@nestjs/common';
import type { HttpRequest } from '../http/http-request';

export const AUDIT_KEY = 'conveyor:audit';

/** Which resource an action touched: from the answer, else from the request. */
export type AuditResource = (result: unknown, request: HttpRequest) => string | undefined;

export interface AuditSpec {
  action: string;
  resource?: AuditResource;
}

const notedProjects = new WeakMap<HttpRequest, string>();

/**
 * Says which project the action touched, when the answer does not carry it (a cancel by an
 * admin key of every project, say); the entry then names that project rather than `*`.
 */
export const noteAuditProject = (request: HttpRequest, project: string): void => {
  notedProjects.set(request, project);
};

export const notedAuditProject = (request: HttpRequest): string | undefined =>
  notedProjects.get(request);

/**
 * Records a successful call of the route in the audit log (§7), with the caller, the client's
 * address and the resource: by default the answer's id, file_id or task_id, else the :id param.
 */
export const Audit = (action: string, resource?: AuditResource): MethodDecorator =>
  SetMetadata(AUDIT_KEY, { action, resource } satisfies AuditSpec);
