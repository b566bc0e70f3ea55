import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { migrateToLatest } from '@anchor/migrations';
import { createDatabase } from '../db/database.js';
import { onCleanup } from './cleanup.js';

export interface BenchDatabase {
  /** The scratch database every part uses, migrated to the latest schema. */
  url: string;
  /** Where it runs: "embedded (durable settings)" or "DATABASE_URL's server". */
  where: string;
  /** `SHOW` values that matter for write throughput. */
  settings: Record<string, string>;
  pool: pg.Pool;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

/**
 * One database for the whole run. Without DATABASE_URL: an embedded PostgreSQL in a temp directory with durable
 * settings (fsync and synchronous commit on, as in production). With DATABASE_URL: a scratch database on that
 * server, created here and dropped at the end. Either way it is migrated before anything else runs.
 */
export async function openBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const name = `anchor_bench_${randomBytes(4).toString('hex')}`;
  let serverUrl = process.env.DATABASE_URL;
  let where = "DATABASE_URL's server (scratch database)";
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'anchor-bench-'));
    onCleanup('temp dir', () => rm(dir, { recursive: true, force: true }));
    log(`starting an embedded PostgreSQL in ${dir} (durable settings)`);
    // Loaded only when used: it brings the PostgreSQL binaries' package.
    const { startEmbeddedPostgres } = await import('../db/embedded.js');
    const embedded = await startEmbeddedPostgres({ dir, ephemeral: false });
    onCleanup('embedded PostgreSQL', () => embedded.stop());
    serverUrl = embedded.url();
    where = 'embedded, durable settings (fsync on, synchronous_commit on)';
  }

  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  onCleanup(`drop database ${name}`, async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  const url = withDatabase(serverUrl, name);

  const handle = createDatabase(url, { poolSize: 2, logger: pino({ level: 'silent' }) });
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }

  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => {}); // an idle client dropped while the database stops at the end
  onCleanup('bench pool', () => pool.end());
  const settings: Record<string, string> = {};
  for (const setting of ['server_version', 'shared_buffers', 'fsync', 'synchronous_commit', 'max_connections']) {
    const { rows } = await pool.query<Record<string, string>>(`SHOW ${setting}`);
    settings[setting] = rows[0]?.[setting] ?? '?';
  }
  return { url, where, settings, pool };
}

/** Flushes dirty pages before a measurement so one part's checkpoint does not land in the next part's numbers. */
export async function checkpoint(pool: pg.Pool): Promise<void> {
  try {
    await pool.query('CHECKPOINT');
  } catch {
    // not a superuser on DATABASE_URL's server: measure without it
  }
}
