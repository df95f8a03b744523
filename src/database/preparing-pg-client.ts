import { Client, QueryResult } from 'pg';
import { ListenedPgClient } from './listened-pg-client';
import { preparedNameOf } from './prepared-statements';

/**
 * The pool's PostgreSQL client: sends a text marked by keepPrepared as a named prepared
 * statement, and every other query as it came. TypeORM runs its queries as `query(text,
 * values)`, so the statements stay TypeORM's (its errors, its query runners and transactions)
 * while the server plans each marked text once per session.
 */
export class PreparingPgClient extends ListenedPgClient {
  /** Names this session prepares a text under after its first statement went stale. */
  private readonly renamed = new Map<string, string>();
  private renames = 0;

  // pg's query has a dozen overloads (callbacks, configs, streams): this one takes and answers
  // what each of them does, which only `any` can say.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: unknown[]): any {
    const [text, values] = args;
    if (
      typeof text === 'string' &&
      args.length <= 2 &&
      (values === undefined || Array.isArray(values))
    ) {
      const name = preparedNameOf(text);
      if (name !== undefined) return this.runPrepared(name, text, values as unknown[] | undefined);
    }
    return super.query(...(args as Parameters<Client['query']>));
  }

  /**
   * A migration that changes the type of a column the statement returns makes the server refuse
   * the session's prepared plan ("cached plan must not change result type") until the session
   * ends. The text is then prepared again under a new name; outside a transaction block the
   * statement is retried at once, inside one it fails as the server said and its next run,
   * after the rollback, prepares anew.
   */
  private async runPrepared(
    name: string,
    text: string,
    values: unknown[] | undefined,
  ): Promise<QueryResult> {
    const current = this.renamed.get(text) ?? name;
    // From the server's last ReadyForQuery: 'I' idle. Anything else, or none yet (null), counts
    // as inside a block, so that nothing is retried where it could not be told safe.
    const inTransactionBlock = this.getTransactionStatus() !== 'I';
    try {
      return await super.query({ name: current, text, values });
    } catch (error) {
      if (!isStalePlanError(error)) throw error;
      const fresh = `${name}_${++this.renames}`;
      this.renamed.set(text, fresh);
      if (inTransactionBlock) throw error;
      return super.query({ name: fresh, text, values });
    }
  }
}

/** The server's refusal of a prepared plan whose result columns changed under it. */
function isStalePlanError(error: unknown): boolean {
  // By code and the server routine that raises it: the message itself follows lc_messages.
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown };
  return code === '0A000' && routine === 'RevalidateCachedQuery';
}
