import { Client } from 'pg';

/**
 * The pool's PostgreSQL client, never without an 'error' listener.
 *
 * pg-pool takes its own listener off a client as it hands the client out, and TypeORM puts its
 * own on a promise turn later. When the server ends a session just as it becomes ready (an
 * operator's pg_terminate_backend, a failover), its ReadyForQuery and the FATAL error arrive in
 * one read: the client is handed out on the first, and the second is emitted before TypeORM
 * listens. An 'error' event nobody listens to throws, and that killed the whole process.
 *
 * Nothing is lost by listening here: the client is no longer queryable, so the statement sent
 * on it fails with an error that the SQL retries take up, and the pool drops it when it comes
 * back. The other listeners (the pool's while idle, TypeORM's while in use) still run.
 */
export class ListenedPgClient extends Client {
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => undefined);
  }
}
