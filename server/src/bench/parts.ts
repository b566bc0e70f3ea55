import { performance } from 'node:perf_hooks';
import { checkpoint, type BenchDatabase } from './database.js';
import type { WorkerResult } from './protocol.js';
import { measureRawInserts, type InsertResult } from './raw-inserts.js';
import { RaterPool, type ConnectStats } from './rater-pool.js';
import { type AdminClient, seedPairs, seedRaters } from './seed.js';
import type { ServerProcess } from './server-process.js';
import { probeHealth, summarize, watchMachine, watchRss, type Summary } from './stats.js';

/** Every bench task uses a 5-point scale (choices −2 … 2). */
const SCALE_POINTS = 5;

export interface Settings {
  a: { levels: number[]; durationMs: number };
  b: { pairs: number; levels: number[]; warmupMs: number; measureMs: number };
  c: { raters: number; workers: number; thinkMs: number; warmupMs: number; measureMs: number };
  /**
   * Each run: `raters` closed loops of `calls` judgments each, the first `warmupMs` not measured (the server's first
   * statements prepare and warm caches). The 1-rater run is the one the target reads: it times the statement itself,
   * where 50 raters on 2 cores mostly time the queue in front of it.
   */
  d: { pairs: number; runs: Array<{ raters: number; calls: number; warmupMs: number }>; capMs: number };
  /** Judgments seeded (pairs × perPair), from a pool of `raters`. */
  e: { judgments: number; perPair: number; raters: number };
}

export const FULL: Settings = {
  a: { levels: [1, 8, 32], durationMs: 5_000 },
  b: { pairs: 20_000, levels: [1, 50, 500], warmupMs: 2_000, measureMs: 10_000 },
  c: { raters: 10_000, workers: 4, thinkMs: 20_000, warmupMs: 25_000, measureMs: 60_000 },
  d: {
    pairs: 1_000_000,
    runs: [
      { raters: 1, calls: 500, warmupMs: 1_000 },
      { raters: 50, calls: 60, warmupMs: 1_000 },
    ],
    capMs: 120_000,
  },
  e: { judgments: 1_000_000, perPair: 4, raters: 100 },
};

export const QUICK: Settings = {
  a: { levels: [1, 8, 32], durationMs: 2_000 },
  b: { pairs: 5_000, levels: [1, 50, 500], warmupMs: 1_000, measureMs: 4_000 },
  c: { raters: 1_000, workers: 2, thinkMs: 20_000, warmupMs: 25_000, measureMs: 15_000 },
  d: {
    pairs: 100_000,
    runs: [
      { raters: 1, calls: 200, warmupMs: 500 },
      { raters: 50, calls: 40, warmupMs: 500 },
    ],
    capMs: 60_000,
  },
  e: { judgments: 100_000, perPair: 4, raters: 100 },
};

export interface Context {
  db: BenchDatabase;
  settings: Settings;
  log: (line: string) => void;
  /** A fresh server process on the bench database, and an admin client for it. */
  server(): Promise<{ server: ServerProcess; admin: AdminClient }>;
}

export interface LoadStats {
  raters: number;
  judgmentsPerSecond: number;
  /** next + submit of one judgment */
  total: Summary;
  next: Summary;
  submit: Summary;
  rssPeak: number | undefined;
  /** /healthz response times: the event-loop lag proxy */
  health: Summary;
  errors: Record<string, number>;
  /** CPU cores that processes outside the bench kept busy meanwhile (a shared machine). */
  otherCores: number | undefined;
}

export interface PartA {
  durationMs: number;
  levels: InsertResult[];
}

/** Error lines the server logged during a part, counted by message. */
export type ServerErrors = Record<string, number>;

export interface PartB {
  serverErrors: ServerErrors;
  pairs: number;
  importSeconds: number;
  measureMs: number;
  rssIdle: number | undefined;
  levels: LoadStats[];
}

export interface PartC extends LoadStats {
  serverErrors: ServerErrors;
  thinkMs: number;
  measureMs: number;
  pairs: number;
  seedSeconds: number;
  connect: ConnectStats;
  rssIdle: number | undefined;
  rssConnected: number | undefined;
}

export interface PartD {
  serverErrors: ServerErrors;
  pairs: number;
  seedSeconds: number;
  runs: Array<{
    raters: number;
    calls: number;
    warmupMs: number;
    judgments: number;
    next: Summary;
    total: Summary;
    seconds: number;
    otherCores: number | undefined;
  }>;
  rssPeak: number | undefined;
  errors: Record<string, number>;
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export async function partA(ctx: Context): Promise<PartA> {
  const { levels, durationMs } = ctx.settings.a;
  ctx.log(`(a) raw single-row INSERTs, ${durationMs / 1000} s at ${levels.join(', ')} connection(s)`);
  return { durationMs, levels: await measureRawInserts(ctx.db.url, levels, durationMs, ctx.log) };
}

/** Drives raters through one plan while watching the server's RSS and /healthz. */
async function measureLoad(
  server: ServerProcess,
  pool: RaterPool,
  raters: number,
  plan: Parameters<RaterPool['run']>[0],
): Promise<LoadStats> {
  const rss = watchRss(server.pid);
  const health = probeHealth(server.url);
  const machine = watchMachine();
  let result: WorkerResult;
  try {
    result = await pool.run(plan);
  } catch (err) {
    await health.stop();
    rss.stop();
    throw err;
  }
  const otherCores = machine.stop();
  const healthSamples = await health.stop();
  const rssSeen = rss.stop();
  return {
    raters,
    judgmentsPerSecond: result.judgments / (plan.measureMs / 1000),
    total: summarize(result.total),
    next: summarize(result.next),
    submit: summarize(result.submit),
    rssPeak: rssSeen.peak,
    health: summarize(healthSamples),
    errors: result.errors,
    otherCores,
  };
}

export async function partB(ctx: Context): Promise<PartB> {
  const s = ctx.settings.b;
  ctx.log(`(b) full path, closed loop: ${s.levels.join(', ')} raters, ${s.measureMs / 1000} s each`);
  const { server, admin } = await ctx.server();
  try {
    const task = await admin.createTask('Bench (b): closed loop', 3, { draft: true });
    const importStart = performance.now();
    const imported = await admin.importPairs(task.id, s.pairs, 'b');
    const importSeconds = seconds(importStart);
    if (imported.inserted !== s.pairs) throw new Error(`import inserted ${imported.inserted} of ${s.pairs} pairs`);
    ctx.log(`  imported ${s.pairs} pairs over HTTP in ${importSeconds.toFixed(1)} s`);
    await admin.activate(task.id);
    const raters = await seedRaters(ctx.db.pool, Math.max(...s.levels), 'bench-b');
    const rssIdle = server.rss();
    const levels: LoadStats[] = [];
    for (const n of s.levels) {
      await checkpoint(ctx.db.pool);
      const pool = await RaterPool.start({
        url: server.url,
        cookies: raters.cookies.slice(0, n),
        workers: n >= 200 ? 2 : 1,
      });
      try {
        if (pool.connect.failed > 0)
          throw new Error(`${pool.connect.failed} raters failed to connect: ${pool.connect.firstError}`);
        const stats = await measureLoad(server, pool, n, {
          taskId: task.id,
          mode: 'closed',
          warmupMs: s.warmupMs,
          measureMs: s.measureMs,
          thinkMs: 0,
          scalePoints: SCALE_POINTS,
        });
        ctx.log(
          `  ${n} rater(s): ${Math.round(stats.judgmentsPerSecond)} judgments/s, p99 ${stats.total.p99.toFixed(1)} ms`,
        );
        levels.push(stats);
      } finally {
        await pool.close();
      }
    }
    return { pairs: s.pairs, importSeconds, measureMs: s.measureMs, rssIdle, levels, serverErrors: server.errors() };
  } finally {
    await server.stop();
  }
}

export async function partC(ctx: Context): Promise<PartC> {
  const s = ctx.settings.c;
  ctx.log(
    `(c) human pace: ${s.raters} raters, one judgment per ~${s.thinkMs / 1000} s each, ${s.measureMs / 1000} s measured`,
  );
  const { server, admin } = await ctx.server();
  try {
    const seedStart = performance.now();
    const task = await admin.createTask('Bench (c): human pace', 3, { draft: true });
    // Enough open slots for everyone for the whole run, with room to spare (3 judgments a pair).
    const judgments = (s.raters * (s.warmupMs + s.measureMs)) / s.thinkMs;
    const pairs = Math.ceil((judgments * 1.5) / 3) + s.raters;
    await seedPairs(ctx.db.pool, task, pairs, 'c');
    await admin.activate(task.id);
    const raters = await seedRaters(ctx.db.pool, s.raters, 'bench-c');
    const seedSeconds = seconds(seedStart);
    ctx.log(`  seeded ${pairs} pairs, ${s.raters} raters and their sessions in SQL in ${seedSeconds.toFixed(1)} s`);
    await checkpoint(ctx.db.pool);

    const rssIdle = server.rss();
    const rssAll = watchRss(server.pid);
    const pool = await RaterPool.start({ url: server.url, cookies: raters.cookies, workers: s.workers });
    try {
      const connect = pool.connect;
      const rssConnected = server.rss();
      ctx.log(`  ${connect.connected} connected in ${(connect.ms / 1000).toFixed(1)} s (${connect.failed} failed)`);
      if (connect.connected === 0) throw new Error(`no rater could connect: ${connect.firstError}`);
      const stats = await measureLoad(server, pool, connect.connected, {
        taskId: task.id,
        mode: 'paced',
        warmupMs: s.warmupMs,
        measureMs: s.measureMs,
        thinkMs: s.thinkMs,
        scalePoints: SCALE_POINTS,
      });
      const peak = rssAll.stop().peak;
      ctx.log(
        `  ${Math.round(stats.judgmentsPerSecond)} judgments/s, p99 ${stats.total.p99.toFixed(1)} ms, /healthz p99 ${stats.health.p99.toFixed(1)} ms`,
      );
      return {
        ...stats,
        rssPeak: Math.max(peak ?? 0, stats.rssPeak ?? 0) || undefined,
        thinkMs: s.thinkMs,
        measureMs: s.measureMs,
        pairs,
        seedSeconds,
        connect,
        rssIdle,
        rssConnected,
        serverErrors: server.errors(),
      };
    } finally {
      rssAll.stop();
      await pool.close();
    }
  } finally {
    await server.stop();
  }
}

export async function partD(ctx: Context): Promise<PartD> {
  const s = ctx.settings.d;
  ctx.log(`(d) assignment:next in a task of ${s.pairs.toLocaleString('en')} pairs`);
  const { server, admin } = await ctx.server();
  try {
    const seedStart = performance.now();
    const task = await admin.createTask('Bench (d): a large task', 3, { draft: true });
    await seedPairs(ctx.db.pool, task, s.pairs, 'd', (n) => ctx.log(`  ${n.toLocaleString('en')} pairs inserted`));
    await admin.activate(task.id);
    const raters = await seedRaters(
      ctx.db.pool,
      s.runs.reduce((n, r) => n + r.raters, 0),
      'bench-d',
    );
    const seedSeconds = seconds(seedStart);
    ctx.log(`  seeded in ${seedSeconds.toFixed(1)} s (INSERT … SELECT generate_series, then ANALYZE)`);
    await checkpoint(ctx.db.pool);

    const rss = watchRss(server.pid);
    const runs: PartD['runs'] = [];
    const errors: Record<string, number> = {};
    let offset = 0;
    let rssPeak: number | undefined;
    try {
      for (const run of s.runs) {
        const cookies = raters.cookies.slice(offset, (offset += run.raters));
        const pool = await RaterPool.start({ url: server.url, cookies, workers: 1 });
        try {
          const started = performance.now();
          const machine = watchMachine();
          const result = await pool.run({
            taskId: task.id,
            mode: 'closed',
            warmupMs: run.warmupMs,
            measureMs: s.capMs,
            thinkMs: 0,
            maxCalls: run.calls,
            scalePoints: SCALE_POINTS,
          });
          for (const [code, n] of Object.entries(result.errors)) errors[code] = (errors[code] ?? 0) + n;
          const next = summarize(result.next);
          runs.push({
            ...run,
            judgments: result.judgments,
            next,
            total: summarize(result.total),
            seconds: seconds(started),
            otherCores: machine.stop(),
          });
          ctx.log(
            `  ${run.raters} rater(s) × ${run.calls}: next p50 ${next.p50.toFixed(1)} ms, p99 ${next.p99.toFixed(1)} ms`,
          );
        } finally {
          await pool.close();
        }
      }
    } finally {
      rssPeak = rss.stop().peak;
    }
    return { pairs: s.pairs, seedSeconds, runs, rssPeak, errors, serverErrors: server.errors() };
  } finally {
    await server.stop();
  }
}
