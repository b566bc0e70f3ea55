import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrations } from '@anchor/migrations';
import { pino } from 'pino';
import { createDatabase, type Database, type DatabaseHandle } from '../src/db/database.js';
import { genesisHash, nextChainHash, type ChainedJudgment } from '../src/modules/exports/judgment-chain.js';
import {
  chainedFields,
  JudgmentChainRepository,
  verifyChain,
} from '../src/modules/exports/judgment-chain.repository.js';
import { withDatabase } from './global-setup.js';

/**
 * Upgrades of a database that already holds data: migrated to the migration before the one under test, filled, then
 * migrated to the latest. (Every other test file starts from a template migrated from empty.)
 */
const adminUrl = inject('adminDatabaseUrl');
const database = `anchor_t_${inject('runId')}_migrations`;
let handle: DatabaseHandle;
let db: Database;

function migrator(upTo: string): Migrator {
  const names = Object.keys(migrations);
  const selected = Object.fromEntries(names.slice(0, names.indexOf(upTo) + 1).map((n) => [n, migrations[n]!]));
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(selected) } });
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  handle = createDatabase(withDatabase(adminUrl, database), { poolSize: 2, logger: pino({ level: 'silent' }) });
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('2026-12-06T0200_judgment_chain_table', () => {
  it('moves sealed links into judgment_chain and queues the unsealed judgments, keeping the chain intact', async () => {
    const before = await migrator('2026-12-06T0100_live_lease_index').migrateToLatest();
    expect(before.error).toBeUndefined();

    // A task with five judgments, all sealed the old way (chain columns on the rows), then two not sealed yet.
    const { rows: ids } = await sql<{ task: string; rater: string }>`
      WITH t AS (INSERT INTO tasks (name, judgments_per_pair, scale_points, lease_seconds) VALUES ('Upgrade', 1, 2, 300) RETURNING id),
           u AS (INSERT INTO users (email, display_name, role, password_hash)
                 VALUES ('upgrade@example.org', 'Upgrade', 'rater', 'x') RETURNING id)
      SELECT t.id AS task, u.id AS rater FROM t, u`.execute(db);
    const { task, rater } = ids[0]!;
    await sql`INSERT INTO pairs (task_id, external_id, prompt, response_a, response_b, target)
      SELECT ${task}, 'p' || g, to_jsonb('Prompt ' || g), 'a', 'b', 1 FROM generate_series(1, 7) g`.execute(db);
    await sql`INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, status, expires_at, finished_at)
      SELECT task_id, id, ${rater}, true, 'submitted', now(), now() FROM pairs WHERE task_id = ${task}`.execute(db);
    await sql`INSERT INTO judgments (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference,
        shown_a_first)
      SELECT a.task_id, a.pair_id, a.rater_id, a.id, gen_random_uuid(), 1, 1, true
      FROM assignments a JOIN pairs p ON p.id = a.pair_id WHERE a.task_id = ${task} ORDER BY p.seq`.execute(db);
    // Seal the first five into the old layout's columns, as the old sealer did, reading the chained fields under the
    // names the hash takes (judgment-chain.ts documents the canonical form).
    const { rows: judgments } = await sql<ChainedJudgment>`
      SELECT ${chainedFields} FROM judgments j WHERE task_id = ${task} ORDER BY seq`.execute(db);
    expect(judgments).toHaveLength(7);
    let head = genesisHash(task);
    for (const [i, judgment] of judgments.slice(0, 5).entries()) {
      head = nextChainHash(head, judgment);
      await sql`UPDATE judgments SET chain_index = ${i}, chain_hash = ${head} WHERE id = ${judgment.id}`.execute(db);
    }

    const after = await migrator(Object.keys(migrations).at(-1)!).migrateToLatest();
    expect(after.error).toBeUndefined();

    const queued = await sql<{ n: number }>`SELECT count(*)::int AS n FROM judgment_seal_queue`.execute(db);
    expect(queued.rows[0]!.n).toBe(2);
    expect(await verifyChain(db, task, { expectHead: head })).toEqual({
      ok: true,
      taskId: task,
      judgments: 5,
      head,
      unsealed: 2,
    });
    // The two queued ones extend the same chain.
    const chain = new JudgmentChainRepository(db);
    expect(await chain.sealPending({ taskId: task, wait: true })).toBe(2);
    expect(await verifyChain(db, task, { expectHead: head })).toMatchObject({
      ok: true,
      judgments: 7,
      unsealed: 0,
    });
    const columns = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns WHERE table_name = 'judgments' AND column_name LIKE 'chain%'`.execute(
      db,
    );
    expect(columns.rows).toEqual([]);
  });
});
