import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { AdminClient, seedPairs, seedRaters } from '../src/bench/seed.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { checkLedger, newLedger, pollStatus, report, startLoad, watchLeases } from './fault-load.js';
import { withDatabase } from './global-setup.js';
import { startTestApp, type TestApp } from './harness.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';

/**
 * Fault: the database goes away mid-load and comes back, with simulated raters submitting through a real server
 * process. Every acknowledged judgment must be stored exactly once, the raters must carry on by themselves, and
 * /readyz must say 503 while the database is away and 200 again after. docs/reliability.md lists what this proves.
 */
const RATERS = 30;
const PAIRS = 300;
const PER_PAIR = 2;
const admin = { email: 'fault-admin@example.test', password: 'fault-admin-password' };

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const undo of cleanups.reverse()) await undo();
});

interface Outage {
  /** Makes the database unreachable (and every connection to it die). */
  down(): Promise<void>;
  up(): Promise<void>;
}

async function outageUnderLoad(name: string, databaseUrl: string, outage: Outage, downMs: number) {
  const server: SpawnedServer = await spawnServer({
    DATABASE_URL: databaseUrl,
    ANCHOR_SEED_DEMO: 'false',
    ANCHOR_ADMIN_EMAIL: admin.email,
    ANCHOR_ADMIN_PASSWORD: admin.password,
    ANCHOR_DB_POOL_SIZE: '10',
  });
  cleanups.push(() => void server.stop());
  const url = server.url.replace('//localhost:', '//127.0.0.1:');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  pool.on('error', () => {}); // idle clients die with the database: that is the test
  cleanups.push(() => pool.end());

  const client = await AdminClient.signIn(url, admin.email, admin.password);
  const task = await client.createTask(`Fault: ${name}`, PER_PAIR, { draft: true });
  await seedPairs(pool, task, PAIRS, 'fault');
  await client.activate(task.id);
  const raters = await seedRaters(pool, RATERS, `fault-${name.replace(/\W+/g, '-')}`);

  const ledger = newLedger();
  const load = await startLoad({ url, cookies: raters.cookies, taskId: task.id, paceMs: 30, ledger });
  cleanups.push(() => load.close());
  const leases = watchLeases(pool, task.id);

  await load.acked(150);
  const ackedBefore = ledger.acked.size;
  await outage.down();
  const to503 = await pollStatus(`${url}/readyz`, (s) => s === 503, 15_000);
  let answers503 = 0;
  const downUntil = Date.now() + downMs;
  while (Date.now() < downUntil) {
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as { error?: { code?: string } };
    if (res.status === 503 && body.error?.code === 'unavailable') answers503++;
    await new Promise((r) => setTimeout(r, 250));
  }
  const ackedDuring = ledger.acked.size - ackedBefore;
  await outage.up();
  const to200 = await pollStatus(`${url}/readyz`, (s) => s === 200, 60_000);

  const results = await load.done;
  const maxLeases = await leases.stop();
  const check = await checkLedger(pool, task.id, ledger);
  report(
    name,
    check,
    `acked before the outage ${ackedBefore}, during ${ackedDuring}; /readyz 503 after ${to503} ms, 200 again ${to200} ms after the database came back; retries ${ledger.stats.retries}; most leases one rater held ${maxLeases}`,
  );

  expect(results.filter((r) => r.reason !== 'task_complete')).toEqual([]); // every rater resumed by itself
  expect(answers503).toBeGreaterThan(0);
  expect(check).toMatchObject({ lost: 0, duplicated: 0, overTarget: 0, leased: 0, unacknowledged: 0 });
  expect(check.acked).toBe(PAIRS * PER_PAIR);
  expect(check.rows).toBe(PAIRS * PER_PAIR);
  expect(maxLeases).toBeLessThanOrEqual(1);
  expect(server.child.exitCode).toBeNull(); // the server rode it out
  expect(server.output()).not.toMatch(/"level":60/);
  expect(await server.stop()).toBe(0);
}

describe('database restart mid-load', () => {
  it('embedded PostgreSQL stopped and started again on the same port: nothing lost, nothing doubled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'anchor-fault-db-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Durable settings (fsync, synchronous commit): an acknowledged commit must survive the restart.
    let db: EmbeddedDatabase = await startEmbeddedPostgres({ dir, ephemeral: false });
    const port = db.port;
    cleanups.push(() => db.stop());
    const adminClient = new pg.Client({ connectionString: db.url() });
    await adminClient.connect();
    await adminClient.query('CREATE DATABASE anchor_fault');
    await adminClient.end();

    await outageUnderLoad(
      'database restart (embedded PostgreSQL)',
      db.url('anchor_fault'),
      {
        down: () => db.stop(),
        up: async () => {
          db = await startEmbeddedPostgres({ dir, ephemeral: false, port });
        },
      },
      3_000,
    );
  });

  // The machine's PostgreSQL (CI's second run, DATABASE_URL) is shared: restarting it would break every other test
  // running against it. The same fault is made for our database alone: it stops accepting connections and every
  // connection to it is terminated, which is what clients see during a restart, then it is opened again.
  it.skipIf(!process.env.DATABASE_URL)(
    "the machine's PostgreSQL: our database closed to connections and every session killed, then reopened",
    async () => {
      const app: TestApp = await startTestApp();
      cleanups.push(() => app.close());
      const database = new URL(app.databaseUrl).pathname.slice(1);
      const superuser = new pg.Client({ connectionString: withDatabase(inject('adminDatabaseUrl'), 'postgres') });
      await superuser.connect();
      cleanups.push(async () => {
        await superuser.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`).catch(() => undefined);
        await superuser.end();
      });
      await outageUnderLoad(
        "database outage (the machine's PostgreSQL)",
        app.databaseUrl,
        {
          down: async () => {
            await superuser.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
            await superuser.query(
              'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
              [database],
            );
          },
          up: async () => {
            await superuser.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
          },
        },
        3_000,
      );
    },
  );
});
