import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { AuditEntry } from './audit-entry.entity';
import { AuditService } from './audit.service';
import { ListAuditQuery } from './list-audit.query';

export interface AuditEntryResponse {
  id: string;
  at: string;
  actor_key_id: string | null;
  actor_name: string;
  action: string;
  resource: string | null;
  project: string;
  client_address: string | null;
}

const toResponse = (entry: AuditEntry): AuditEntryResponse => ({
  id: entry.id,
  at: entry.at.toISOString(),
  actor_key_id: entry.actorKeyId,
  actor_name: entry.actorName,
  action: entry.action,
  resource: entry.resource,
  project: entry.project,
  client_address: entry.clientAddress,
});

@ApiTags('audit')
@Controller('api/audit')
@Roles('admin')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Who did what, when and from where (admin; newest first)' })
  async list(
    @Query() query: ListAuditQuery,
    @Caller() caller: Principal,
  ): Promise<{ entries: AuditEntryResponse[]; total: number }> {
    const { entries, total } = await this.audit.list(query, caller);
    return { entries: entries.map(toResponse), total };
  }
}
