import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;

// Return BIGINT counts (count(*), sum) as numbers: every count here fits comfortably in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(url: string, options: { poolSize: number; logger: Logger }): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    // Generous: under a burst of sign-ins argon2 and connection set-up share libuv's small thread pool.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // Without this listener an idle client's error (PostgreSQL restarting) would crash the process.
  pool.on('error', (err) => options.logger.warn({ err: err.message }, 'idle database connection lost'));
  // The pool listens only while a client is idle; a client checked out (mid-transaction) when PostgreSQL restarts
  // would emit 'error' to nobody and crash the process. Its pending query fails on its own and the pool drops it.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.logger.warn({ err: err.message }, 'database connection lost'));
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}
