/**
 * `npm run simulate -- --url http://localhost:3000 --task <id> --raters 200 --token <admin token>`
 *
 * Load from simulated raters against a running Anchor: creates the rater accounts through the admin API, signs each
 * in, opens a socket per rater and judges the task's pairs until the task has nothing left for them or a limit is
 * reached. Prints progress every second and a summary. The raters are disabled at the end (their judgments stay).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Task, User } from '@anchor/shared';
import {
  JudgmentBudget,
  RaterStats,
  connectRater,
  runRaterLoop,
  signIn,
  type RaterLoopResult,
} from './simulated-rater.js';

const usage = `Usage: npm run simulate -- --url URL --task TASK_ID [options]

  --url URL               the Anchor server (default http://localhost:3000)
  --task ID               the task to judge (it must be active)
  --raters N              simulated raters, each with its own account and socket (default 10)
  --token SECRET          an admin API token, or:
  --admin-email E --admin-password P
  --pace-ms MS            mean think time per judgment (default 0: answer at once)
  --judgments N           stop after N judgments in all
  --seconds S             stop after S seconds
  --keep-raters           leave the simulated accounts active at the end`;

interface Admin {
  headers: Record<string, string>;
}

async function api<T>(url: string, admin: Admin, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { ...admin.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered HTTP ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Runs `fn` over `items` with at most `limit` at a time (password hashing makes account creation CPU-bound). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${value}".`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      task: { type: 'string' },
      raters: { type: 'string', default: '10' },
      token: { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-password': { type: 'string' },
      'pace-ms': { type: 'string', default: '0' },
      judgments: { type: 'string' },
      seconds: { type: 'string' },
      'keep-raters': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const url = values.url.replace(/\/+$/, '');
  const origin = new URL(url).origin;
  if (!values.task) throw new Error(`--task is required.\n\n${usage}`);
  const raterCount = positiveInt('raters', values.raters)!;
  const paceMs = positiveInt('pace-ms', values['pace-ms'])!;
  const judgmentLimit = positiveInt('judgments', values.judgments);
  const seconds = positiveInt('seconds', values.seconds);
  if (raterCount < 1) throw new Error('--raters must be at least 1.');

  let admin: Admin;
  if (values.token) admin = { headers: { authorization: `Bearer ${values.token}` } };
  else if (values['admin-email'] && values['admin-password']) {
    const cookie = await signIn(url, values['admin-email'], values['admin-password']);
    admin = { headers: { cookie, origin } }; // cookie writes must carry this site's Origin (CSRF check)
  } else throw new Error(`Give an admin --token, or --admin-email and --admin-password.\n\n${usage}`);

  const { task } = await api<{ task: Task }>(url, admin, 'GET', `/api/tasks/${encodeURIComponent(values.task)}`);
  if (task.status !== 'active') throw new Error(`Task "${task.name}" is ${task.status}; raters only get active tasks.`);
  console.log(`Task "${task.name}": ${task.scale.points}-point scale, ${task.judgmentsPerPair} judgments per pair.`);

  // Accounts the task's eligibility accepts.
  const run = randomBytes(3).toString('hex');
  const country = task.eligibility.countries?.[0];
  const languages = task.eligibility.languages?.slice(0, 1);
  process.stdout.write(`Creating and signing in ${raterCount} raters (sim-${run}-*)… `);
  const setupStarted = performance.now();
  const raters = await mapLimit(Array.from({ length: raterCount }), 8, async (_, i) => {
    const email = `sim-${run}-${i}@simulated.anchor.test`;
    const password = randomBytes(18).toString('base64url');
    const { user } = await api<{ user: User }>(url, admin, 'POST', '/api/users', {
      email,
      displayName: `Simulated rater ${run}-${i}`,
      role: 'rater',
      password,
      ...(country ? { country } : {}),
      ...(languages?.length ? { languages } : {}),
    });
    const cookie = await signIn(url, email, password);
    return { user, socket: await connectRater(url, { cookie }) };
  });
  console.log(`done in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s.`);

  const stats = new RaterStats();
  const deadline = seconds === undefined ? Infinity : performance.now() + seconds * 1000;
  const budget = judgmentLimit === undefined ? undefined : new JudgmentBudget(judgmentLimit);
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\nStopping: finishing the judgments in flight (Ctrl-C again to quit at once).');
  };
  process.on('SIGINT', onSigint);

  let last = { at: performance.now(), judgments: 0 };
  const progress = setInterval(() => {
    const now = performance.now();
    const rate = ((stats.judgments - last.judgments) * 1000) / (now - last.at);
    last = { at: now, judgments: stats.judgments };
    console.log(
      `${((now - stats.startedAt) / 1000).toFixed(0).padStart(4)} s  ${String(stats.judgments).padStart(8)} judgments` +
        `  ${rate.toFixed(0).padStart(6)}/s  p50 ${stats.quantile(0.5).toFixed(1)} ms  p99 ${stats.quantile(0.99).toFixed(1)} ms` +
        (stats.retries ? `  retries ${stats.retries}` : '') +
        (stats.expired ? `  expired ${stats.expired}` : ''),
    );
  }, 1000);

  const results: RaterLoopResult[] = await Promise.all(
    raters.map(({ socket }) =>
      runRaterLoop({
        socket,
        taskId: task.id,
        paceMs,
        stats,
        ...(budget ? { budget } : {}),
        shouldStop: () => interrupted || performance.now() >= deadline,
      }),
    ),
  );
  clearInterval(progress);
  process.off('SIGINT', onSigint);
  const elapsed = (performance.now() - stats.startedAt) / 1000;
  for (const { socket } of raters) socket.disconnect();

  const reasons = new Map<string, number>();
  for (const r of results) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  const firstError = results.find((r) => r.error)?.error;
  console.log(
    [
      '',
      `Judgments:  ${stats.judgments} in ${elapsed.toFixed(1)} s = ${(stats.judgments / elapsed).toFixed(1)} per second`,
      `Latency:    next + submit p50 ${stats.quantile(0.5).toFixed(1)} ms, p99 ${stats.quantile(0.99).toFixed(1)} ms`,
      `Retries:    ${stats.retries}; leases expired while thinking: ${stats.expired}; errors: ${stats.errors}`,
      `Raters ended: ${[...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ')}`,
      ...(firstError ? [`First error: ${firstError}`] : []),
    ].join('\n'),
  );

  if (!values['keep-raters']) {
    await mapLimit(raters, 8, ({ user }) =>
      api(url, admin, 'PATCH', `/api/users/${user.id}`, { status: 'disabled' }).catch((err: unknown) =>
        console.error(`could not disable ${user.email}: ${(err as Error).message}`),
      ),
    );
    console.log(`Disabled the ${raters.length} simulated raters (--keep-raters keeps them).`);
  }
  if (stats.errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
