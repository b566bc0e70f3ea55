import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { summarize, watchMachine, type Summary } from './stats.js';

export interface InsertResult {
  connections: number;
  inserts: number;
  perSecond: number;
  latency: Summary;
  /** CPU cores that processes outside the bench kept busy meanwhile (a shared machine). */
  otherCores: number | undefined;
}

const TABLE = 'bench_raw_judgments';

/**
 * The baseline: single-row INSERTs of a judgment-shaped row, each its own (durable) transaction, with every
 * connection in a closed loop. The scratch table is `LIKE judgments INCLUDING ALL`: the same columns, defaults,
 * identity, checks and indexes as `judgments` today (foreign keys are not copied, so this is slightly cheaper than a
 * real judgment insert).
 */
export async function measureRawInserts(
  url: string,
  levels: readonly number[],
  durationMs: number,
  log: (line: string) => void,
): Promise<InsertResult[]> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await setup.query(`CREATE TABLE ${TABLE} (LIKE judgments INCLUDING ALL)`);
    const results: InsertResult[] = [];
    for (const connections of levels) {
      await setup.query(`TRUNCATE ${TABLE}`);
      await setup.query('CHECKPOINT').catch(() => undefined);
      const result = await insertLoop(url, connections, durationMs);
      log(`  ${connections} connection(s): ${Math.round(result.perSecond)} inserts/s`);
      results.push(result);
    }
    return results;
  } finally {
    await setup.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    await setup.end();
  }
}

async function insertLoop(url: string, connections: number, durationMs: number): Promise<InsertResult> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const taskId = randomUUID();
  const raters = Array.from({ length: 1000 }, () => randomUUID());
  const latencies: number[] = [];
  let inserts = 0;
  const machine = watchMachine();
  const start = performance.now();
  const end = start + durationMs;
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < end) {
          const t0 = performance.now();
          await client.query(
            `INSERT INTO ${TABLE} (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference,
               shown_a_first, rationale, time_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [
              taskId,
              randomUUID(),
              raters[Math.floor(Math.random() * raters.length)],
              randomUUID(),
              randomUUID(),
              1,
              -1,
              true,
              'The left answer is warmer and names the custom.',
              4200,
            ],
          );
          const t1 = performance.now();
          if (t1 <= end) {
            inserts++;
            latencies.push(t1 - t0);
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const otherCores = machine.stop();
  return { connections, inserts, perSecond: inserts / (durationMs / 1000), latency: summarize(latencies), otherCores };
}
