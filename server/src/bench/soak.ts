/**
 * `npm run bench -- --soak`: the soak. 500 simulated raters judge at a steady pace on one server process for 10
 * minutes; every minute the bench records that minute's throughput and latency, the server's RSS, the event-loop lag
 * proxy (/healthz response time) and the database connections the server holds. What it looks for is drift: RSS
 * that keeps growing, latency that creeps up, connections that leak. Results go to docs/benchmarks.md ("Soak").
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchDatabase } from './database.js';
import { RaterPool } from './rater-pool.js';
import { formatMarkdown } from './report.js';
import { seedPairs, seedRaters, type AdminClient } from './seed.js';
import type { ServerProcess } from './server-process.js';
import { probeHealth, summarize, watchMachine, watchRss, type Summary } from './stats.js';

export interface SoakSettings {
  raters: number;
  /** Mean think time per judgment (±25 %). */
  thinkMs: number;
  /** Length of one measured window; the soak runs `windows` of them back to back. */
  windowMs: number;
  windows: number;
  workers: number;
}

export const SOAK_FULL: SoakSettings = { raters: 500, thinkMs: 3_000, windowMs: 60_000, windows: 10, workers: 2 };
export const SOAK_QUICK: SoakSettings = { raters: 100, thinkMs: 1_000, windowMs: 10_000, windows: 3, workers: 1 };

export interface SoakWindow {
  minute: number;
  judgmentsPerSecond: number;
  total: Summary;
  rssEnd: number | undefined;
  rssPeak: number | undefined;
  /** /healthz response time over the window (the event-loop lag proxy) */
  health: Summary;
  /** Connections to the bench database held by anyone (the server's pool and its LISTEN connection, the bench's own). */
  connections: number;
  connectionsPeak: number;
  errors: Record<string, number>;
  otherCores: number | undefined;
}

export interface SoakResult {
  settings: SoakSettings;
  connected: number;
  connectMs: number;
  pairs: number;
  windows: SoakWindow[];
  judgments: number;
  minutes: number;
}

export interface SoakContext {
  db: BenchDatabase;
  log: (line: string) => void;
  server(): Promise<{ server: ServerProcess; admin: AdminClient }>;
}

async function connectionCount(db: BenchDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()',
  );
  return rows[0]?.n ?? 0;
}

export async function runSoak(ctx: SoakContext, s: SoakSettings): Promise<SoakResult> {
  const started = performance.now();
  ctx.log(
    `(soak) ${s.raters} raters, one judgment per ~${s.thinkMs / 1000} s each, ${s.windows} × ${s.windowMs / 1000} s`,
  );
  const { server, admin } = await ctx.server();
  try {
    const task = await admin.createTask('Bench (soak)', 3, { draft: true });
    const expected = (s.raters * s.windowMs * s.windows) / s.thinkMs;
    const pairs = Math.ceil((expected * 1.5) / 3) + s.raters;
    await seedPairs(ctx.db.pool, task, pairs, 'soak');
    await admin.activate(task.id);
    const raters = await seedRaters(ctx.db.pool, s.raters, 'bench-soak');
    ctx.log(`  seeded ${pairs} pairs and ${s.raters} raters`);
    const pool = await RaterPool.start({ url: server.url, cookies: raters.cookies, workers: s.workers });
    try {
      if (pool.connect.connected === 0) throw new Error(`no rater could connect: ${pool.connect.firstError}`);
      ctx.log(`  ${pool.connect.connected} connected in ${(pool.connect.ms / 1000).toFixed(1)} s`);
      const windows: SoakWindow[] = [];
      for (let w = 0; w < s.windows; w++) {
        const rss = watchRss(server.pid, 1_000);
        const health = probeHealth(server.url, 200);
        const machine = watchMachine();
        let connectionsPeak = 0;
        const sampleConnections = async () => {
          connectionsPeak = Math.max(connectionsPeak, await connectionCount(ctx.db).catch(() => 0));
        };
        const connTimer = setInterval(() => void sampleConnections(), 5_000);
        let result;
        try {
          result = await pool.run({
            taskId: task.id,
            mode: 'paced',
            warmupMs: 0,
            measureMs: s.windowMs,
            thinkMs: s.thinkMs,
            scalePoints: 5,
          });
        } finally {
          clearInterval(connTimer);
        }
        const rssSeen = rss.stop();
        const connections = await connectionCount(ctx.db);
        const window: SoakWindow = {
          minute: Number((((w + 1) * s.windowMs) / 60_000).toFixed(2)),
          judgmentsPerSecond: result.judgments / (s.windowMs / 1000),
          total: summarize(result.total),
          rssEnd: rssSeen.last,
          rssPeak: rssSeen.peak,
          health: summarize(await health.stop()),
          connections,
          connectionsPeak: Math.max(connectionsPeak, connections),
          errors: result.errors,
          otherCores: machine.stop(),
        };
        windows.push(window);
        ctx.log(
          `  window ${w + 1}/${s.windows}: ${window.judgmentsPerSecond.toFixed(0)} judgments/s, p99 ${window.total.p99.toFixed(1)} ms, ` +
            `RSS ${mib(window.rssEnd)}, /healthz p99 ${window.health.p99.toFixed(1)} ms, ${connections} connections`,
        );
      }
      return {
        settings: s,
        connected: pool.connect.connected,
        connectMs: pool.connect.ms,
        pairs,
        windows,
        judgments: windows.reduce((n, w) => n + Math.round(w.judgmentsPerSecond * (s.windowMs / 1000)), 0),
        minutes: (performance.now() - started) / 60_000,
      };
    } finally {
      await pool.close();
    }
  } finally {
    await server.stop();
  }
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${Math.round(bytes / 2 ** 20)} MiB`);

export function renderSoak(r: SoakResult, info: { date: Date; database: string; quick: boolean }): string {
  const rows = r.windows.map((w) => [
    String(w.minute),
    w.judgmentsPerSecond.toFixed(0),
    ms(w.total.p50),
    ms(w.total.p99),
    mib(w.rssEnd),
    `${ms(w.health.p50)} / ${ms(w.health.p99)} / ${ms(w.health.max)}`,
    `${w.connections} (peak ${w.connectionsPeak})`,
    [
      Object.entries(w.errors)
        .map(([c, n]) => `${c} × ${n}`)
        .join(', '),
      w.otherCores !== undefined && w.otherCores > 0.25 ? `others used ${w.otherCores.toFixed(2)} cores` : '',
    ]
      .filter(Boolean)
      .join('; ') || '—',
  ]);
  const header = [
    'Minute (window end)',
    'Judgments/s',
    'p50 ms',
    'p99 ms',
    'Server RSS (end)',
    '/healthz p50 / p99 / max ms',
    'DB connections',
    'Errors, notes',
  ];
  const table = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
  const all = r.windows;
  const second = all[Math.min(1, all.length - 1)];
  const last = all.at(-1);
  const growth =
    second?.rssEnd !== undefined && last?.rssEnd !== undefined
      ? `${mib(second.rssEnd)} after window 2 → ${mib(last.rssEnd)} at the end (${(((last.rssEnd - second.rssEnd) / second.rssEnd) * 100).toFixed(1)} %)`
      : 'n/a';
  const p99s = all.map((w) => w.total.p99).filter(Number.isFinite);
  return [
    `### Soak results (${info.quick ? 'quick run' : 'full run'}, ${info.date.toISOString().slice(0, 10)})`,
    '',
    table,
    '',
    `- ${r.connected} raters connected in ${(r.connectMs / 1000).toFixed(1)} s; ${r.judgments.toLocaleString('en')} judgments in ${all.length} windows of ${r.settings.windowMs / 1000} s; ${r.pairs.toLocaleString('en')} pairs seeded; ${r.minutes.toFixed(1)} min in all.`,
    `- Server RSS: ${growth}.`,
    `- p99 of next + submit per window: min ${ms(Math.min(...p99s))}, max ${ms(Math.max(...p99s))} ms.`,
    `- Machine: ${os.availableParallelism()} CPUs, Node.js ${process.version}; database: ${info.database}.`,
    '- A window starts with each rater waiting a random part of one think time and ends with no new submit after its end, so judgments/s slightly understates the steady rate.',
    '',
  ].join('\n');
}

const START = '<!-- bench:soak:start -->';
const END = '<!-- bench:soak:end -->';

/** Replaces the soak block of the doc (between its own markers), leaving the other results alone. */
export async function writeSoak(file: string, markdown: string): Promise<void> {
  const block = `${START}\n\n${markdown}\n${END}`;
  let doc = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n';
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from !== -1 && to > from) doc = doc.slice(0, from) + block + doc.slice(to + END.length);
  else doc = doc.trimEnd() + '\n\n## Soak\n\n' + block + '\n';
  await writeFile(file, await formatMarkdown(doc, file));
}
