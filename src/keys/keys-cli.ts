import 'reflect-metadata';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditEntry } from '../audit/audit-entry.entity';
import { AuditService } from '../audit/audit.service';
import { isRole, ROLES } from '../auth/role';
import { AppConfig } from '../config/app-config';
import { EnvValidationError, validateEnv } from '../config/env';
import { buildDataSourceOptions, ensureSchema } from '../database/data-source';
import { ApiKey } from './api-key.entity';
import { toKeyResponse } from './key.response';
import { ANY_PROJECT_MANAGER, KeysService } from './keys.service';
import { DomainError, RequestValidationError } from '../http/domain-error';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { CreateKeyDto } from './create-key.dto';

const USAGE = `Usage (with the service's environment: DATABASE_URL, DATA_DIR…):
  npm run keys -- create --name <name> --role <${ROLES.join('|')}> [--project <project>|*]
  npm run keys -- list
  npm run keys -- revoke <key id>`;

class UsageError extends Error {}

/**
 * API keys from a shell, against the service's own database: the first admin key of a new
 * installation comes from here (or from ADMIN_API_KEY). Each change is in the audit log, by
 * "cli (<user>)".
 */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      project: { type: 'string', default: 'default' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(USAGE);
  const config = new AppConfig(validateEnv(process.env));
  await ensureSchema(config);
  const dataSource = new DataSource(buildDataSourceOptions(config, { runMigrations: true }));
  await dataSource.initialize();
  try {
    const keys = new KeysService(dataSource.getRepository(ApiKey));
    const audit = new AuditService(dataSource.getRepository(AuditEntry), config);
    const actor = { keyId: null, name: `cli (${userInfo().username})` };
    if (command === 'create') {
      const wanted = plainToInstance(CreateKeyDto, {
        name: values.name,
        role: values.role,
        project: values.project,
      });
      const problems = await validate(wanted);
      if (problems.length > 0 || !isRole(wanted.role)) {
        const messages = problems.flatMap((problem) => Object.values(problem.constraints ?? {}));
        throw new UsageError(`${messages.join('; ')}\n${USAGE}`);
      }
      const { row, key } = await keys.create(wanted, ANY_PROJECT_MANAGER);
      await audit.record({ actor, action: 'key.create', resource: row.id, project: row.project });
      console.error(
        `Created key ${row.id} "${row.name}" (${row.role}, project ${row.project}). It is shown only now; store it safely:`,
      );
      console.log(key);
    } else if (command === 'list') {
      const rows = (await keys.list(ANY_PROJECT_MANAGER)).map(toKeyResponse);
      console.table(
        rows.map(({ id, name, role, project, created_at, last_used_at, revoked_at }) => ({
          id,
          name,
          role,
          project,
          created_at,
          last_used_at: last_used_at ?? '',
          revoked_at: revoked_at ?? '',
        })),
      );
    } else {
      const [id] = rest;
      if (!id) throw new UsageError(USAGE);
      const row = await keys.revoke(id, ANY_PROJECT_MANAGER);
      await audit.record({ actor, action: 'key.revoke', resource: row.id, project: row.project });
      console.error(
        `Revoked key ${row.id} "${row.name}": refused from now on by every API instance within 5 s.`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof RequestValidationError) {
      console.error(error.problems.map((problem) => problem.msg).join('; '));
    } else if (
      error instanceof UsageError ||
      error instanceof EnvValidationError ||
      error instanceof DomainError ||
      (error instanceof TypeError &&
        'code' in error &&
        error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    ) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
