import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { checkpoint } from './database.js';
import type { Context, ServerErrors } from './parts.js';
import { seedRaters } from './seed.js';
import { watchMachine, watchRss } from './stats.js';

/** One streamed read: rows are newline-terminated lines, counted as the bytes go by (never buffered). */
export interface StreamStats {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** Time to the first byte, ms. */
  firstByteMs: number;
  rssPeak: number | undefined;
  otherCores: number | undefined;
}

export interface PartE {
  serverErrors: ServerErrors;
  judgments: number;
  pairs: number;
  raters: number;
  seedSeconds: number;
  /** Background sealing of every seeded judgment into the task's hash chain, from the server's start. */
  sealSeconds: number;
  vacuumSeconds: number;
  rssIdle: number | undefined;
  copy: StreamStats;
  annotations: StreamStats;
  dpo: StreamStats;
  /** Pairs whose mean preference is not 0: the rows the dpo export should have. */
  dpoExpected: number;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Counts bytes and newlines of a byte stream until it ends. */
async function drain(
  stream: Readable | AsyncIterable<Buffer>,
  t0: number,
): Promise<{ rows: number; bytes: number; firstByteMs: number }> {
  let rows = 0;
  let bytes = 0;
  let firstByteMs = NaN;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (bytes === 0) firstByteMs = performance.now() - t0;
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
  }
  return { rows, bytes, firstByteMs };
}

async function measure(
  pid: number | undefined,
  run: (t0: number) => Promise<{ rows: number; bytes: number; firstByteMs: number }>,
): Promise<StreamStats> {
  const rss = pid === undefined ? undefined : watchRss(pid, 250);
  const machine = watchMachine();
  const t0 = performance.now();
  let counted: Awaited<ReturnType<typeof run>>;
  try {
    counted = await run(t0);
  } catch (err) {
    rss?.stop();
    throw err;
  }
  const s = seconds(t0);
  const rssPeak = rss?.stop().peak;
  return { ...counted, seconds: s, rowsPerSecond: counted.rows / s, rssPeak, otherCores: machine.stop() };
}

const PROMPT = "How should I greet my partner's grandmother at a family dinner, and what should I bring? ";
const ANSWER_A = 'Greet her first, with both hands, and a small gift of flowers or sweets from a good shop. ';
const ANSWER_B = 'Wait until she greets you, then follow the lead of the family; bring something modest. ';

/**
 * A task with `judgments` judgments in SQL: pairs with prompts and responses of a few hundred bytes, `perPair`
 * submitted assignments and judgments each (raters taken in turn from a pool), a rationale on a third of them, the
 * pairs' judgment counts and the task's progress counters as the server would have left them. Nothing is sealed.
 */
async function seedJudgments(
  pool: pg.Pool,
  taskId: string,
  raterIds: string[],
  pairs: number,
  perPair: number,
  log: (line: string) => void,
): Promise<void> {
  const BATCH = 25_000;
  for (let from = 0; from < pairs; from += BATCH) {
    await pool.query(
      `INSERT INTO pairs (task_id, external_id, prompt, response_a, response_b, model_a, model_b, tags, target,
         judgment_count)
       SELECT $1::uuid, format('e-%s', g),
         to_jsonb(format('Question %s: %s', g, repeat($5::text, 3))),
         format('Answer A to question %s: %s', g, repeat($6::text, 4)),
         format('Answer B to question %s: %s', g, repeat($7::text, 4)),
         (ARRAY['atlas-7b', 'baobab-13b', 'cedar-70b'])[g % 3 + 1],
         (ARRAY['atlas-7b', 'baobab-13b', 'cedar-70b'])[(g + 1) % 3 + 1],
         '{"topic": "greetings"}'::jsonb, $4::int, $4::int
       FROM generate_series($2::int, $3::int) AS g`,
      [taskId, from, Math.min(pairs, from + BATCH) - 1, perPair, PROMPT, ANSWER_A, ANSWER_B],
    );
  }
  const { rows } = await pool.query<{ lo: string; hi: string }>(
    'SELECT min(seq) AS lo, max(seq) AS hi FROM pairs WHERE task_id = $1',
    [taskId],
  );
  const lo = Number(rows[0]!.lo);
  const hi = Number(rows[0]!.hi);
  // A pair's k-th judge is rater (seq + k) mod R: distinct within a pair while perPair ≤ R.
  for (let from = lo; from <= hi; from += BATCH) {
    await pool.query(
      `WITH a AS (
         INSERT INTO assignments (task_id, pair_id, rater_id, shown_a_first, status, leased_at, expires_at, finished_at)
         SELECT p.task_id, p.id, ($2::uuid[])[((p.seq + k) % $5 + 1)::int], (p.seq + k) % 2 = 0, 'submitted',
           t.leased, t.leased + interval '1 hour', t.leased + make_interval(secs => 15 + (p.seq * 7 + k * 13) % 90)
         FROM pairs p CROSS JOIN generate_series(0, $6::int - 1) AS k
         CROSS JOIN LATERAL (SELECT now() - interval '7 days' + make_interval(secs => (p.seq - $3) * 0.5) AS leased) t
         WHERE p.task_id = $1 AND p.seq BETWEEN $3 AND $4
         ORDER BY p.seq, k
         RETURNING id, task_id, pair_id, rater_id, shown_a_first, leased_at, finished_at)
       INSERT INTO judgments (task_id, pair_id, rater_id, assignment_id, idempotency_key, choice, preference,
         shown_a_first, rationale, time_ms, created_at)
       SELECT a.task_id, a.pair_id, a.rater_id, a.id, gen_random_uuid(), c.choice,
         CASE WHEN a.shown_a_first THEN c.choice ELSE -c.choice END, a.shown_a_first,
         CASE WHEN c.h % 3 = 0 THEN 'The first answer is warmer and explains the custom; the second is vague.' END,
         (extract(epoch FROM a.finished_at - a.leased_at) * 1000)::int, a.finished_at
       FROM a CROSS JOIN LATERAL (SELECT hashtext(a.id::text) & 2147483647 AS h) x
       CROSS JOIN LATERAL (SELECT x.h % 5 - 2 AS choice, x.h / 5 AS h) c`,
      [taskId, raterIds, from, Math.min(hi, from + BATCH - 1), raterIds.length, perPair],
    );
    log(`  ${Math.min(hi, from + BATCH - 1) - lo + 1} of ${pairs} pairs judged`);
  }
  await pool.query(
    `INSERT INTO task_counters (task_id, shard, pairs, judgments, complete_pairs) VALUES ($1, 0, $2, $3, $2)
     ON CONFLICT (task_id, shard) DO UPDATE SET pairs = excluded.pairs, judgments = excluded.judgments,
       complete_pairs = excluded.complete_pairs`,
    [taskId, pairs, pairs * perPair],
  );
}

/**
 * PostgreSQL's own COPY of the rows the annotations export describes (the same joins and columns, in seq order),
 * as plain COPY text: no JSON, no pseudonyms. The ceiling an export over HTTP is compared with.
 */
function baselineCopy(taskId: string): string {
  return `COPY (
    SELECT j.id, j.pair_id, p.external_id, j.rater_id, j.preference, j.choice, j.shown_a_first, j.rationale, j.flags,
      j.time_ms, j.created_at, u.country, u.languages, t.scale_points, a.leased_at, u.attributes, a.quota_group, p.gold,
      c.chain_index, c.chain_hash
    FROM judgments j
    JOIN pairs p ON p.id = j.pair_id
    JOIN users u ON u.id = j.rater_id
    JOIN tasks t ON t.id = j.task_id
    JOIN assignments a ON a.id = j.assignment_id
    LEFT JOIN judgment_chain c ON c.judgment_id = j.id
    WHERE j.task_id = '${taskId}'::uuid
    ORDER BY j.seq) TO STDOUT`;
}

export async function partE(ctx: Context): Promise<PartE> {
  const s = ctx.settings.e;
  const pairs = Math.ceil(s.judgments / s.perPair);
  const judgments = pairs * s.perPair;
  ctx.log(`(e) export at scale: ${judgments} judgments (${pairs} pairs × ${s.perPair}, ${s.raters} raters)`);

  // The task over the API, then the server stops: its sealer must not seal while the judgments are being seeded.
  const first = await ctx.server();
  let taskId: string;
  try {
    taskId = (await first.admin.createTask('Bench (e): export at scale', s.perPair, { draft: true })).id;
  } finally {
    await first.server.stop();
  }
  const seedStart = performance.now();
  const raters = await seedRaters(ctx.db.pool, s.raters, 'bench-e');
  await seedJudgments(ctx.db.pool, taskId, raters.ids, pairs, s.perPair, ctx.log);
  const seedSeconds = seconds(seedStart);
  ctx.log(`  seeded ${judgments} judgments in SQL in ${seedSeconds.toFixed(1)} s`);
  await checkpoint(ctx.db.pool);

  const { server, admin } = await ctx.server();
  try {
    // The server's background sealer (every second) chains the judgments; an export would otherwise seal them first.
    const sealStart = performance.now();
    for (;;) {
      const { rows } = await ctx.db.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM judgment_seal_queue WHERE task_id = $1',
        [taskId],
      );
      if (Number(rows[0]!.n) === 0) break;
      await sleep(1000);
    }
    const sealSeconds = seconds(sealStart);
    ctx.log(`  the server sealed ${judgments} judgments into the chain in ${sealSeconds.toFixed(1)} s`);
    // Seeding and sealing left hint bits unset and the seal queue full of dead rows: vacuum so that no export pays for
    // them (a server would have had autovacuum at them in the meantime).
    const vacuumStart = performance.now();
    await ctx.db.pool.query(
      'VACUUM (ANALYZE) judgments, judgment_chain, judgment_seal_queue, assignments, pairs, users',
    );
    const vacuumSeconds = seconds(vacuumStart);
    await checkpoint(ctx.db.pool);
    const rssIdle = server.rss();

    const client = await ctx.db.pool.connect();
    let copy: StreamStats;
    try {
      copy = await measure(undefined, (t0) => drain(client.query(copyTo(baselineCopy(taskId))), t0));
    } finally {
      client.release();
    }
    ctx.log(`  COPY: ${Math.round(copy.rowsPerSecond)} rows/s (${copy.rows} rows in ${copy.seconds.toFixed(1)} s)`);

    const exportOf = async (format: string) => {
      const stats = await measure(server.pid, async (t0) => {
        const res = await admin.get(`/api/tasks/${taskId}/export?format=${format}`);
        return drain(res, t0);
      });
      ctx.log(
        `  ${format}: ${Math.round(stats.rowsPerSecond)} rows/s (${stats.rows} rows in ${stats.seconds.toFixed(1)} s), RSS peak ${Math.round((stats.rssPeak ?? 0) / 2 ** 20)} MiB`,
      );
      return stats;
    };
    const annotations = await exportOf('annotations');
    const dpo = await exportOf('dpo');
    const { rows } = await ctx.db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT pair_id FROM judgments WHERE task_id = $1 GROUP BY pair_id
         HAVING sum(preference) <> 0) x`,
      [taskId],
    );
    return {
      judgments,
      pairs,
      raters: s.raters,
      seedSeconds,
      sealSeconds,
      vacuumSeconds,
      rssIdle,
      copy,
      annotations,
      dpo,
      dpoExpected: Number(rows[0]!.n),
      serverErrors: server.errors(),
    };
  } finally {
    await server.stop();
  }
}
