import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '@anchor/migrations';
import type { EmbeddedDatabase } from '../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL (any database) that test files clone their databases through. */
    adminDatabaseUrl: string;
    templateDatabase: string;
    runId: string;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

/**
 * Once per run: a PostgreSQL (DATABASE_URL's server, or a throwaway embedded one on a free port) and a template
 * database migrated from empty. Each test file clones the template, so files are isolated and start in milliseconds.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  let embedded: EmbeddedDatabase | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    // Loaded only when used: it brings the PostgreSQL binaries' package.
    const { startEmbeddedPostgres } = await import('../src/db/embedded.js');
    dir = mkdtempSync(path.join(tmpdir(), 'anchor-test-'));
    embedded = await startEmbeddedPostgres({ dir, ephemeral: true });
    adminUrl = embedded.url();
  }
  const templateDatabase = `anchor_t_${runId}_template`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: withDatabase(adminUrl, templateDatabase) }) }),
  });
  await migrateToLatest(db);
  await db.destroy();

  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);

  return async () => {
    // Leave a shared server (DATABASE_URL) as we found it.
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `anchor_t_${runId}_%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
