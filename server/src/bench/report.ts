import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { PartE, StreamStats } from './export-scale.js';
import type { PartA, PartB, PartC, PartD, Settings } from './parts.js';

export const PART_NAMES = ['a', 'b', 'c', 'd', 'e'] as const;
export type PartName = (typeof PART_NAMES)[number];

export interface Results {
  a?: PartA;
  b?: PartB;
  c?: PartC;
  d?: PartD;
  e?: PartE;
  /** A part that threw: its message. */
  failed: Partial<Record<PartName, string>>;
}

export interface RunInfo {
  date: Date;
  quick: boolean;
  parts: PartName[];
  settings: Settings;
  database: string;
  postgres: Record<string, string>;
  minutes: number;
  /** cpuProbeMs() before the first part and after the last: how fast this host let the machine run. */
  cpuProbeMs: { start: number; end: number };
}

/** The targets, in one place (docs/benchmarks.md explains where they come from). */
export const TARGETS = {
  /** (b): judgments/s ÷ raw 32-connection INSERT/s */
  ratio: 0.3,
  /** (c): p99 of next + submit, ms; and server RSS, bytes */
  humanP99Ms: 50,
  humanRssBytes: 1024 ** 3,
  /** (d): p99 of assignment:next at 1,000,000 pairs, ms */
  largeP99Ms: 25,
  /**
   * (e): judgments exported per second ÷ PostgreSQL's own COPY rows/s (one row per judgment), i.e. COPY's time ÷ the
   * export's, the same million judgments through both; and server RSS during an export, bytes
   */
  exportRatio: 0.5,
  exportRssBytes: 200 * 2 ** 20,
};

/** The command line that made this run: `-- --quick --only b,d`, or nothing for a full run. */
function benchFlags(run: RunInfo): string[] {
  const flags = [
    ...(run.quick ? ['--quick'] : []),
    ...(run.parts.length < PART_NAMES.length ? [`--only ${run.parts.join(',')}`] : []),
  ];
  return flags.length > 0 ? ['--', ...flags] : [];
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${Math.round(bytes / 2 ** 20)} MiB`);
const int = (x: number) => Math.round(x).toLocaleString('en');
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
const others = (cores: number | undefined) => (cores === undefined ? '' : `others used ${cores.toFixed(2)} cores`);
const errorsOf = (errors: Record<string, number>) =>
  Object.entries(errors)
    .map(([code, n]) => `${code} × ${n}`)
    .join(', ');

/** The results as Markdown: the table, the targets, and how it was measured. */
export function renderReport(results: Results, run: RunInfo): string {
  const rows: string[][] = [];
  const raw32 = results.a?.levels.find((l) => l.connections === 32)?.perSecond;
  const ratio = (jps: number) => (raw32 ? `${(jps / raw32).toFixed(2)} × raw 32-conn INSERT` : 'ratio: run (a) too');

  for (const l of results.a?.levels ?? []) {
    rows.push([
      '(a)',
      `INSERT, ${l.connections} connection${l.connections === 1 ? '' : 's'}`,
      `${int(l.perSecond)} inserts/s`,
      ms(l.latency.p50),
      ms(l.latency.p99),
      '—',
      ['latency of one INSERT (its own transaction)', others(l.otherCores)].filter(Boolean).join('; '),
    ]);
  }
  for (const l of results.b?.levels ?? []) {
    const notes = [ratio(l.judgmentsPerSecond), `/healthz p99 ${ms(l.health.p99)} ms`, others(l.otherCores)];
    if (Object.keys(l.errors).length > 0) notes.push(`errors: ${errorsOf(l.errors)}`);
    rows.push([
      '(b)',
      `${int(l.raters)} rater${l.raters === 1 ? '' : 's'}, closed loop`,
      `${int(l.judgmentsPerSecond)} judgments/s`,
      ms(l.total.p50),
      ms(l.total.p99),
      mib(l.rssPeak),
      notes.filter(Boolean).join('; '),
    ]);
  }
  const c = results.c;
  if (c) {
    const notes = [
      `/healthz (event-loop lag proxy) p50 ${ms(c.health.p50)}, p99 ${ms(c.health.p99)}, max ${ms(c.health.max)} ms`,
      `next p99 ${ms(c.next.p99)}, submit p99 ${ms(c.submit.p99)} ms`,
      `all connected in ${(c.connect.ms / 1000).toFixed(1)} s`,
      others(c.otherCores),
    ];
    if (c.connect.failed > 0) notes.push(`${c.connect.failed} failed to connect (${c.connect.firstError ?? '?'})`);
    if (Object.keys(c.errors).length > 0) notes.push(`errors: ${errorsOf(c.errors)}`);
    rows.push([
      '(c)',
      `${int(c.raters)} raters, 1 judgment per ~${c.thinkMs / 1000} s each`,
      `${int(c.judgmentsPerSecond)} judgments/s`,
      ms(c.total.p50),
      ms(c.total.p99),
      mib(c.rssPeak),
      notes.filter(Boolean).join('; '),
    ]);
  }
  const d = results.d;
  for (const r of d?.runs ?? []) {
    rows.push([
      '(d)',
      `${int(d!.pairs)} pairs, ${r.raters} rater${r.raters === 1 ? '' : 's'} × ${r.calls} judgments`,
      `next p50 ${ms(r.next.p50)} / p99 ${ms(r.next.p99)} ms`,
      ms(r.total.p50),
      ms(r.total.p99),
      mib(d!.rssPeak),
      [
        `${r.judgments} judgments measured after ${(r.warmupMs / 1000).toFixed(1)} s of warm-up, ${r.seconds.toFixed(1)} s in all`,
        others(r.otherCores),
        r === d!.runs.at(-1) && Object.keys(d!.errors).length > 0 ? `errors: ${errorsOf(d!.errors)}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    ]);
  }
  const e = results.e;
  if (e) {
    const mb = (x: StreamStats) => `${(x.bytes / 2 ** 20).toFixed(0)} MiB in ${x.seconds.toFixed(1)} s`;
    // Speed against COPY: the same judgments through both, so COPY's time over the export's (for dpo, whose rows
    // are decided pairs, not judgments, its output rows/s would compare a different count).
    const vsCopy = (x: StreamStats) => `${(e.copy.seconds / x.seconds).toFixed(2)} × COPY's speed`;
    rows.push([
      '(e)',
      `COPY of ${int(e.judgments)} judgments' annotation columns (PostgreSQL alone)`,
      `${int(e.copy.rowsPerSecond)} rows/s`,
      '—',
      '—',
      '—',
      [`${int(e.copy.rows)} rows, ${mb(e.copy)}`, others(e.copy.otherCores)].filter(Boolean).join('; '),
    ]);
    const exportRow = (scenario: string, x: StreamStats, rowsNote: string) => [
      '(e)',
      scenario,
      `${int(x.rowsPerSecond)} rows/s`,
      '—',
      '—',
      mib(x.rssPeak),
      [vsCopy(x), `${rowsNote}, ${mb(x)}`, `first byte after ${ms(x.firstByteMs)} ms`, others(x.otherCores)]
        .filter(Boolean)
        .join('; '),
    ];
    rows.push(
      exportRow(
        `annotations export over HTTP, ${int(e.judgments)} judgments`,
        e.annotations,
        `${int(e.annotations.rows)} rows`,
      ),
      exportRow(
        `dpo export over HTTP, ${int(e.pairs)} pairs`,
        e.dpo,
        `${int(e.dpo.rows)} rows${e.dpo.rows === e.dpoExpected ? '' : ` (expected ${int(e.dpoExpected)})`}`,
      ),
    );
  }
  for (const [part, message] of Object.entries(results.failed)) {
    rows.push([`(${part})`, '**failed**', '—', '—', '—', '—', message.split('\n')[0]!.replaceAll('|', '\\|')]);
  }

  const header = ['Part', 'Scenario', 'Rate', 'p50 ms', 'p99 ms', 'Server RSS (peak)', 'Notes'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

  const targets: string[][] = [];
  if (results.b) {
    const best = [...results.b.levels].sort((x, y) => y.judgmentsPerSecond - x.judgmentsPerSecond)[0];
    if (best && raw32) {
      const r = best.judgmentsPerSecond / raw32;
      targets.push([
        `(b) judgments/s ≥ ${TARGETS.ratio} × raw 32-connection INSERT/s (0.5 is the ceiling: a judgment is two write transactions)`,
        `${r.toFixed(2)} (${int(best.judgmentsPerSecond)} ÷ ${int(raw32)}, at ${best.raters} raters)`,
        met(r >= TARGETS.ratio),
      ]);
    } else {
      targets.push([`(b) ≥ ${TARGETS.ratio} × raw 32-connection INSERT/s`, 'needs part (a) in the same run', '—']);
    }
  }
  if (c) {
    const ok = c.total.p99 < TARGETS.humanP99Ms && (c.rssPeak ?? Infinity) < TARGETS.humanRssBytes;
    targets.push([
      `(c) p99 of next + submit < ${TARGETS.humanP99Ms} ms and server RSS < 1 GiB, ${int(c.raters)} raters`,
      `${ms(c.total.p99)} ms, ${mib(c.rssPeak)}`,
      met(ok),
    ]);
  }
  // The run of one rater: the lease statement's own time at this size (more raters add the queue that (b) measures).
  const single = d?.runs.find((r) => r.raters === 1);
  if (d && single) {
    targets.push([
      `(d) p99 of assignment:next < ${TARGETS.largeP99Ms} ms at ${int(d.pairs)} pairs (1 rater)`,
      `${ms(single.next.p99)} ms`,
      met(single.next.p99 < TARGETS.largeP99Ms),
    ]);
  }
  if (e) {
    for (const [name, x] of [
      ['annotations', e.annotations],
      ['dpo', e.dpo],
    ] as const) {
      const r = e.copy.seconds / x.seconds;
      targets.push([
        `(e) ${name} export of ${int(e.judgments)} judgments at ≥ ${TARGETS.exportRatio} × COPY's judgments/s, server RSS < ${mib(TARGETS.exportRssBytes)}`,
        `${r.toFixed(2)} (${int(e.judgments / x.seconds)} ÷ ${int(e.copy.rowsPerSecond)} judgments/s), ${mib(x.rssPeak)}`,
        met(r >= TARGETS.exportRatio && (x.rssPeak ?? Infinity) < TARGETS.exportRssBytes),
      ]);
    }
  }
  const targetTable =
    targets.length === 0
      ? ''
      : [['Target', 'Measured', 'Status'], ['---', '---', '---'], ...targets]
          .map((r) => `| ${r.join(' | ')} |`)
          .join('\n');

  const s = run.settings;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const pgSettings = ['shared_buffers', 'fsync', 'synchronous_commit', 'max_connections']
    .map((k) => `${k}=${run.postgres[k] ?? '?'}`)
    .join(', ');
  const setup = [
    `- Date: ${run.date.toISOString().replace(/\.\d+Z$/, 'Z')}; run: \`${['npm run bench', ...benchFlags(run)].join(' ')}\`, ${run.minutes.toFixed(1)} min in all.`,
    `- Machine: ${os.availableParallelism()} CPUs (\`nproc\`; ${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}.`,
    `- CPU speed probe (a fixed single-core workload, lower is faster; compare it before comparing runs): ${run.cpuProbeMs.start.toFixed(0)} ms before the first part, ${run.cpuProbeMs.end.toFixed(0)} ms after the last.`,
    `- Node.js ${process.version}; PostgreSQL ${run.postgres.server_version ?? '?'} (${run.database}; ${pgSettings}).`,
    '- PostgreSQL, the server process and the load generators share the machine; "others used N cores" is CPU that processes outside the bench (other work on the machine) kept busy during that measurement.',
  ];
  const busiest = Math.max(
    0,
    ...[
      ...(results.a?.levels ?? []),
      ...(results.b?.levels ?? []),
      ...(c ? [c] : []),
      ...(d?.runs ?? []),
      ...(e ? [e.copy, e.annotations, e.dpo] : []),
    ].map((x) => x.otherCores ?? 0),
  );
  if (busiest > 0.25)
    setup.push(
      `- **The machine was not quiet**: other processes used up to ${busiest.toFixed(2)} of ${os.availableParallelism()} cores during a measurement, so these numbers understate what Anchor does on a machine of its own.`,
    );
  if (results.a) setup.push(`- (a) ${s.a.durationMs / 1000} s per level.`);
  if (results.b)
    setup.push(
      `- (b) ${int(results.b.pairs)} pairs (3 judgments each) imported over HTTP in ${results.b.importSeconds.toFixed(1)} s; ${s.b.warmupMs / 1000} s warm-up, then ${s.b.measureMs / 1000} s measured per level; server RSS when idle ${mib(results.b.rssIdle)}.`,
    );
  if (c)
    setup.push(
      `- (c) ${int(c.pairs)} pairs, ${int(c.raters)} rater accounts and their sessions seeded in SQL in ${c.seedSeconds.toFixed(1)} s (not over the API: see below); ${s.c.workers} client processes; ${s.c.warmupMs / 1000} s warm-up, then ${s.c.measureMs / 1000} s measured; server RSS idle ${mib(c.rssIdle)}, with everyone connected ${mib(c.rssConnected)}; ${int(c.total.count)} judgments measured.`,
    );
  if (d)
    setup.push(
      `- (d) ${int(d.pairs)} pairs inserted with SQL (generate_series) and ANALYZEd in ${d.seedSeconds.toFixed(1)} s; each rater loops next → submit, ${d.runs.map((r) => `${r.raters} × ${r.calls}`).join(', then ')}.`,
    );

  if (e)
    setup.push(
      `- (e) ${int(e.pairs)} pairs (prompts and responses of a few hundred bytes) and ${int(e.judgments)} submitted assignments and judgments (${int(e.judgments / e.pairs)} a pair, ${e.raters} raters, a rationale on a third) inserted with SQL in ${e.seedSeconds.toFixed(1)} s, server stopped; then the restarted server's background sealer chained all ${int(e.judgments)} judgments in **${e.sealSeconds.toFixed(1)} s** (an export seals what is unsealed before it starts, so a first export right after would have waited that long); VACUUM ANALYZE ${e.vacuumSeconds.toFixed(1)} s; server RSS idle ${mib(e.rssIdle)}. Each export is one \`GET /api/tasks/:id/export?format=…\` (default filters, aggregate mean) read as a stream by the bench, counting bytes and lines; RSS sampled every 250 ms.`,
    );

  for (const [part, x] of [
    ['b', results.b],
    ['c', c],
    ['d', d],
    ['e', e],
  ] as const) {
    const logged = Object.entries(x?.serverErrors ?? {}).sort((p, q) => q[1] - p[1]);
    if (logged.length > 0)
      setup.push(
        `- (${part}) the server logged errors: ${logged
          .slice(0, 3)
          .map(([message, n]) => `"${message.replaceAll('|', '\\|')}" × ${n}`)
          .join('; ')}.`,
      );
  }

  return [
    `### Results (${run.quick ? 'quick run' : 'full run'}, ${run.date.toISOString().slice(0, 10)})`,
    '',
    table,
    '',
    ...(targetTable ? [targetTable, ''] : []),
    ...setup,
    '',
  ].join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated block of the doc (between the markers), keeping the hand-written text around it. */
export async function writeReport(file: string, markdown: string): Promise<void> {
  const block = `${START}\n\n${markdown}\n${END}`;
  let doc = existsSync(file) ? await readFile(file, 'utf8') : '';
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from !== -1 && to > from) doc = doc.slice(0, from) + block + doc.slice(to + END.length);
  else doc = (doc ? doc.trimEnd() + '\n\n' : '# Benchmarks\n\n') + block + '\n';
  await writeFile(file, await formatMarkdown(doc, file));
}

/** Prettier-formats Markdown when prettier is installed (a dev dependency), so `prettier --check` stays green. */
export async function formatMarkdown(markdown: string, file?: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = file ? await prettier.resolveConfig(file) : null;
    return await prettier.format(markdown, { ...config, parser: 'markdown' });
  } catch {
    return markdown;
  }
}
