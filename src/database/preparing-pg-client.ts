import { Client } from 'pg';
import { ListenedPgClient } from './listened-pg-client';
import { preparedNameOf } from './prepared-statements';

/**
 * The pool's PostgreSQL client: sends a text marked by keepPrepared as a named prepared
 * statement, and every other query as it came. TypeORM runs its queries as `query(text,
 * values)`, so the statements stay TypeORM's (its errors, its query runners and transactions)
 * while the server plans each marked text once per session.
 */
export class PreparingPgClient extends ListenedPgClient {
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
      if (name !== undefined) return super.query({ name, text, values: values as unknown[] });
    }
    return super.query(...(args as Parameters<Client['query']>));
  }
}
