/**
 * A load-generator process for the bench: holds many socket.io rater connections and drives them as told by the
 * parent (`rater-pool.ts`). Kept light on purpose (websocket only, no reconnection, no per-event logging), so that
 * on a small machine the clients cost as little CPU as possible next to the server they measure.
 *
 * Connections and choices come from the shared simulated rater (`tools/simulated-rater.ts`); the loop is its own,
 * because a benchmark needs what that loop hides: `assignment:next` and `judgment:submit` timed separately, a
 * measured window, and every failure counted rather than retried.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextAssignmentResult, SubmitJudgmentResult } from '@anchor/shared';
import { connectRater, plausibleChoice, type RaterSocket } from '../tools/simulated-rater.js';
import type { ConnectCommand, FromWorker, RunPlan, ToWorker, WorkerResult } from './protocol.js';

const ACK_TIMEOUT_MS = 30_000;
const sockets: RaterSocket[] = [];

function send(message: FromWorker): void {
  process.send?.(message);
}

async function connectAll({ url, cookies, parallel }: ConnectCommand): Promise<void> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async () => {
    while (next < cookies.length) {
      const cookie = cookies[next++]!;
      try {
        sockets.push(await connectRater(url, { cookie }, { reconnection: false, timeoutMs: 60_000 }));
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  send({
    type: 'connected',
    connected: sockets.length,
    failed,
    ms: performance.now() - started,
    ...(firstError ? { firstError } : {}),
  });
}

async function call<T>(socket: RaterSocket, event: string, payload: unknown): Promise<T> {
  // socket.io's typed emitWithAck infers the acknowledgement from the event's last parameter; untyped here.
  const emit = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<T> };
  return emit.emitWithAck(event, payload);
}

async function run(plan: RunPlan): Promise<WorkerResult> {
  const start = performance.now();
  const windowStart = start + plan.warmupMs;
  const windowEnd = windowStart + plan.measureMs;
  const result: WorkerResult = { judgments: 0, next: [], submit: [], total: [], errors: {} };
  const fail = (code: string) => (result.errors[code] = (result.errors[code] ?? 0) + 1);
  const inWindow = (t: number) => t >= windowStart && t <= windowEnd;

  /** One judgment: `assignment:next`, optional thinking, `judgment:submit`. False when this rater should stop. */
  const judge = async (socket: RaterSocket, thinkMs: number): Promise<boolean> => {
    const t0 = performance.now();
    let next: NextAssignmentResult;
    try {
      next = await call<NextAssignmentResult>(socket, 'assignment:next', { taskId: plan.taskId });
    } catch {
      fail('next:timeout');
      return socket.connected;
    }
    const t1 = performance.now();
    if ('done' in next) {
      fail(`done:${next.reason}`);
      return false;
    }
    if (!('assignment' in next)) {
      fail(`next:${next.error.code}`);
      await sleep(100);
      return true;
    }
    if (inWindow(t0)) result.next.push(t1 - t0);
    if (thinkMs > 0) {
      if (performance.now() + thinkMs > windowEnd) return false; // would submit after the window: stop here
      await sleep(thinkMs);
    }
    const t2 = performance.now();
    let submitted: SubmitJudgmentResult;
    try {
      submitted = await call<SubmitJudgmentResult>(socket, 'judgment:submit', {
        assignmentId: next.assignment.id,
        key: randomUUID(),
        choice: plausibleChoice(plan.scalePoints),
        timeMs: Math.round(t2 - t1),
      });
    } catch {
      fail('submit:timeout');
      return socket.connected;
    }
    const t3 = performance.now();
    if (!submitted.ok) {
      fail(`submit:${submitted.error.code}`);
      return true;
    }
    if (inWindow(t2)) result.submit.push(t3 - t2);
    if (inWindow(t3)) {
      result.judgments++;
      // Only judgments wholly inside the window: at human pace a judgment ending early in it was leased up to a think
      // time before, in the warm-up, when every rater's first lease goes the reading way at once.
      if (inWindow(t0)) result.total.push(t1 - t0 + (t3 - t2));
    }
    return true;
  };

  const closed = async (socket: RaterSocket) => {
    for (let calls = 0; performance.now() < windowEnd && calls < (plan.maxCalls ?? Infinity); calls++) {
      if (!(await judge(socket, 0))) return;
    }
  };
  const paced = async (socket: RaterSocket) => {
    await sleep(Math.random() * plan.thinkMs); // spread the raters' first requests evenly over one think time
    while (performance.now() < windowEnd) {
      if (!(await judge(socket, plan.thinkMs * (0.75 + Math.random() * 0.5)))) return;
    }
  };
  await Promise.all(sockets.map((s) => (plan.mode === 'closed' ? closed(s) : paced(s))));
  return result;
}

async function close(): Promise<void> {
  for (const s of sockets) s.disconnect();
  await sleep(200); // let the close frames go out
  process.exit(0);
}

process.on('message', (message: ToWorker) => {
  const work =
    message.type === 'connect'
      ? connectAll(message)
      : message.type === 'run'
        ? run(message.plan).then((result) => send({ type: 'result', result }))
        : close();
  work.catch((err: unknown) => send({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }));
});
// The parent is gone (crashed or killed): nothing left to do here.
process.on('disconnect', () => process.exit(0));
