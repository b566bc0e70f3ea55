/**
 * `npm run bench`: Anchor's benchmark suite. One run, one PostgreSQL, four measurements side by side:
 *   (a) raw single-row INSERTs (the ceiling), (b) the full socket path in a closed loop, (c) 10,000 raters at
 *   human pace, (d) assignment:next in a task of 1,000,000 pairs. See docs/benchmarks.md.
 *
 *   npm run bench                        # everything; writes docs/benchmarks.md
 *   npm run bench -- --quick             # shorter and smaller; prints only
 *   npm run bench -- --only a,b --out /tmp/bench.md
 *   npm run bench -- --soak              # the soak instead: 500 raters for 10 minutes (soak.ts)
 *
 * Benchmarks are not tests: nothing here asserts a speed; targets are reported as met or not met.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanUp } from './cleanup.js';
import { openBenchDatabase } from './database.js';
import { partE } from './export-scale.js';
import { FULL, QUICK, partA, partB, partC, partD, type Context } from './parts.js';
import { PART_NAMES, formatMarkdown, renderReport, writeReport, type PartName, type Results } from './report.js';
import { AdminClient } from './seed.js';
import { startServer } from './server-process.js';
import { SOAK_FULL, SOAK_QUICK, renderSoak, runSoak, writeSoak } from './soak.js';
import { cpuProbeMs } from './stats.js';

const USAGE = `Usage: npm run bench -- [--only a,b,c,d,e] [--quick] [--out FILE]
       npm run bench -- --soak [--quick] [--out FILE]

  --only   parts to run (default: all)
             a  raw PostgreSQL single-row INSERTs at 1, 8, 32 connections
             b  the full path (socket.io next → submit) in a closed loop at 1, 50, 500 raters
             c  10,000 raters at human pace (one judgment per ~20 s each)
             d  assignment:next in a task of 1,000,000 pairs
             e  exports of a task of 1,000,000 judgments (COPY baseline, annotations and dpo over HTTP)
  --quick  shorter runs and smaller sizes (c: 1,000 raters; d: 100,000 pairs; e: 100,000 judgments)
  --out    also write the results into FILE (default for a full run of every part: docs/benchmarks.md)
  --soak   instead of the parts: 500 raters at ~1 judgment per 3 s each for 10 minutes on one node, reporting
           throughput, p99, server RSS, event-loop lag and database connections minute by minute (the Soak
           section of docs/benchmarks.md; --quick: 100 raters, 3 × 10 s, printed only)

Uses DATABASE_URL's server when set (in a scratch database it drops afterwards), else an embedded PostgreSQL
in a temp directory with durable settings.`;

const DOC = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const PARTS: Record<PartName, (ctx: Context) => Promise<unknown>> = {
  a: partA,
  b: partB,
  c: partC,
  d: partD,
  e: partE,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      soak: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const requested = (values.only ?? 'a,b,c,d,e')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  const unknown = requested.filter((p) => !(p in PARTS));
  if (unknown.length > 0 || requested.length === 0) {
    console.error(`Unknown part(s): ${unknown.join(', ') || '(none given)'}\n\n${USAGE}`);
    return 2;
  }
  const parts = (Object.keys(PARTS) as PartName[]).filter((p) => requested.includes(p));
  const quick = values.quick;
  const out = values.out ?? (!quick && parts.length === PART_NAMES.length ? DOC : undefined);

  const started = performance.now();
  const log = (line: string) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // a second Ctrl-C: stop waiting for the cleanup
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: Results = { failed: {} };
  const probeAtStart = cpuProbeMs();
  try {
    const db = await openBenchDatabase(log);
    const adminEmail = 'bench-admin@bench.test';
    const adminPassword = randomBytes(18).toString('base64url');
    let admin: AdminClient | undefined;
    const ctx: Context = {
      db,
      settings: quick ? QUICK : FULL,
      log,
      async server() {
        const server = await startServer({ databaseUrl: db.url, adminEmail, adminPassword });
        admin = admin ? admin.at(server.url) : await AdminClient.signIn(server.url, adminEmail, adminPassword);
        return { server, admin };
      },
    };

    if (values.soak) {
      const soak = await runSoak(ctx, quick ? SOAK_QUICK : SOAK_FULL);
      if (interrupted) return 130;
      const markdown = renderSoak(soak, { date: new Date(), database: db.where, quick });
      process.stdout.write('\n' + (await formatMarkdown(markdown)) + '\n');
      const soakOut = values.out ?? (quick ? undefined : DOC);
      if (soakOut) {
        await writeSoak(soakOut, markdown);
        log(`soak results written to ${soakOut}`);
      }
      return 0;
    }

    for (const part of parts) {
      if (interrupted) break;
      try {
        (results as Record<PartName, unknown>)[part] = await PARTS[part](ctx);
      } catch (err) {
        if (interrupted) break;
        const message = err instanceof Error ? err.message : String(err);
        results.failed[part] = message;
        log(`(${part}) failed: ${message}`);
      }
    }
    if (interrupted) return 130;

    const report = renderReport(results, {
      date: new Date(),
      quick,
      parts,
      settings: ctx.settings,
      database: db.where,
      postgres: db.settings,
      minutes: (performance.now() - started) / 60_000,
      cpuProbeMs: { start: probeAtStart, end: cpuProbeMs() },
    });
    process.stdout.write('\n' + (await formatMarkdown(report)) + '\n');
    if (out) {
      await writeReport(out, report);
      log(`results written to ${out}`);
    } else {
      log('results not written to a file (a partial or quick run): pass --out FILE to keep them');
    }
  } finally {
    if (!interrupted) await cleanUp();
  }
  return Object.keys(results.failed).length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    await cleanUp();
    process.exit(1);
  },
);
