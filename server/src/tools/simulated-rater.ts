import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import {
  SESSION_COOKIE,
  scaleChoices,
  scaleHalf,
  type Assignment,
  type ClientToServerEvents,
  type DoneReason,
  type ErrorBody,
  type ServerToClientEvents,
} from '@anchor/shared';

/**
 * A simulated rater: signs in like a browser, holds a socket.io connection, and judges pairs in a loop the way the
 * web app does (`assignment:next`, think, `judgment:submit` with one idempotency key per judgment, the same key on
 * every retry). Used by `npm run simulate`, the benchmark and the multi-node tests.
 */

export type RaterSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A session cookie ("anchor_session=…") or an API token; either authenticates the socket handshake. */
export type RaterCredentials = { cookie: string } | { token: string };

/** Signs in over HTTP with the Origin header a browser sends, and returns the session cookie. */
export async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(new URL('/api/auth/login', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(url).origin },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email} failed: HTTP ${res.status} ${await res.text()}`);
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '');
  if (!match) throw new Error(`sign-in as ${email} set no session cookie`);
  return `${SESSION_COOKIE}=${match[1]}`;
}

/**
 * Opens a WebSocket-only connection (no long-polling, so no sticky sessions are needed across nodes) and resolves once
 * the handshake is accepted; rejects with the server's connect_error message.
 */
export async function connectRater(
  url: string,
  credentials: RaterCredentials,
  options: { reconnection?: boolean; timeoutMs?: number } = {},
): Promise<RaterSocket> {
  const socket: RaterSocket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: options.reconnection ?? true,
    timeout: options.timeoutMs ?? 10_000,
    ...('token' in credentials ? { auth: { token: credentials.token } } : {}),
    extraHeaders: 'cookie' in credentials ? { cookie: credentials.cookie, origin: new URL(url).origin } : {},
  });
  await new Promise<void>((resolve, reject) => {
    const onConnect = () => {
      socket.off('connect_error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      socket.off('connect', onConnect);
      socket.disconnect();
      reject(new Error(`socket connection to ${url} refused: ${err.message}`));
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
  return socket;
}

/** Shared counters and next+submit round-trip latencies of any number of raters. */
export class RaterStats {
  judgments = 0;
  /** Requests sent again after a timeout or a lost connection (same idempotency key for submits). */
  retries = 0;
  /** Submits refused with lease_expired (the rater thought for longer than the lease). */
  expired = 0;
  errors = 0;
  readonly startedAt = performance.now();
  private readonly latencies: number[] = [];

  record(latencyMs: number): void {
    this.judgments++;
    this.latencies.push(latencyMs);
  }

  /** Latency quantile in ms (q in 0..1), or NaN before the first judgment. */
  quantile(q: number): number {
    if (this.latencies.length === 0) return Number.NaN;
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  }

  /** Judgments per second since the stats were made. */
  rate(now = performance.now()): number {
    const seconds = (now - this.startedAt) / 1000;
    return seconds > 0 ? this.judgments / seconds : 0;
  }
}

/** A shared cap on judgments across raters: a rater takes one before asking for a pair and gives it back if unused. */
export class JudgmentBudget {
  private taken = 0;
  constructor(private readonly limit: number) {}
  take(): boolean {
    if (this.taken >= this.limit) return false;
    this.taken++;
    return true;
  }
  giveBack(): void {
    this.taken--;
  }
}

/**
 * A choice on the task's scale, tilted a little toward the left (a position bias like people's, which the server's
 * counterbalancing is there to cancel): weight 1 − tilt·c/m for choice c on a scale whose ends are ±m.
 */
export function plausibleChoice(points: number, random: () => number = Math.random, tilt = 0.3): number {
  const choices = scaleChoices(points);
  const m = scaleHalf(points);
  const weights = choices.map((c) => 1 - (tilt * c) / m);
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < choices.length; i++) {
    r -= weights[i]!;
    if (r < 0) return choices[i]!;
  }
  return choices.at(-1)!;
}

export interface RaterLoopOptions {
  socket: RaterSocket;
  /** The task to judge; without it the server picks among the rater's active tasks. */
  taskId?: string;
  /** Mean think time per judgment in ms, drawn uniformly from 0.5× to 1.5×; 0 answers at once. */
  paceMs?: number;
  /** Stop after this many judgments by this rater. */
  judgments?: number;
  /** A cap shared with other raters. */
  budget?: JudgmentBudget;
  /** Checked before each new assignment: true ends the loop (the current judgment is finished first). */
  shouldStop?: () => boolean;
  stats?: RaterStats;
  /** How long to wait for an acknowledgement before sending again. */
  ackTimeoutMs?: number;
  /** Sends of one request before the loop gives up. */
  maxAttempts?: number;
  /**
   * How long to keep asking (every ~200 ms) while the answer is `nothing_left_for_you`. That answer can be brief:
   * the pairs still open may be leased to raters who are about to submit, or locked for a moment by their commits
   * (the server skips locked rows rather than wait). `task_complete` and the other reasons end the loop at once.
   */
  nothingLeftPatienceMs?: number;
  random?: () => number;
  /** Called with each stored judgment. */
  onJudgment?: (judgment: { assignmentId: string; judgmentId: string; choice: number; latencyMs: number }) => void;
}

export interface RaterLoopResult {
  judgments: number;
  /** Why the loop ended: the server's done reason, a limit, or an error it could not get past. */
  reason: DoneReason | 'limit' | 'stopped' | 'error';
  error?: string;
}

class TransientError extends Error {}
class Refused extends Error {
  constructor(readonly body: ErrorBody) {
    super(`${body.code}: ${body.message}`);
  }
}

const TRANSIENT_CODES = new Set(['internal', 'unavailable', 'rate_limited']);

/**
 * Sends one event and returns its acknowledgement, sending it again (same payload) after a timeout, a lost connection
 * or a server-side transient failure. The payload carries its idempotency key, so a resend never doubles a judgment.
 */
async function request<E extends 'assignment:next' | 'judgment:submit'>(
  socket: RaterSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  options: { ackTimeoutMs: number; maxAttempts: number; stats: RaterStats | undefined },
): Promise<Exclude<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0], { ok: false }>> {
  let lastError = '';
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (attempt > 1) {
      if (options.stats) options.stats.retries++;
      await sleep(Math.min(2_000, 100 * 2 ** (attempt - 2)));
    }
    if (!socket.connected) {
      if (!socket.active) throw new TransientError('the socket is closed and will not reconnect');
      await waitForConnect(socket, options.ackTimeoutMs).catch(() => undefined);
      if (!socket.connected) {
        lastError = 'not connected';
        continue;
      }
    }
    try {
      // socket.io's typed emitWithAck infers the acknowledgement from the event's last parameter.
      const emit = socket.timeout(options.ackTimeoutMs) as unknown as {
        emitWithAck(event: string, payload: unknown): Promise<never>;
      };
      const result: { ok?: false; error?: ErrorBody } = await emit.emitWithAck(event, payload);
      if (result.ok === false && result.error) {
        if (TRANSIENT_CODES.has(result.error.code)) {
          lastError = `${result.error.code}: ${result.error.message}`;
          continue;
        }
        throw new Refused(result.error);
      }
      return result as never;
    } catch (err) {
      if (err instanceof Refused) throw err;
      lastError = (err as Error).message; // timed out, or the connection dropped before the answer
    }
  }
  throw new TransientError(`${event} failed ${options.maxAttempts} times; last: ${lastError}`);
}

function waitForConnect(socket: RaterSocket, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('connect', onConnect);
      reject(new Error('not reconnected in time'));
    }, timeoutMs);
    const onConnect = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('connect', onConnect);
  });
}

/** The rater's loop: runs until the server has nothing for this rater, a limit is reached, or an error persists. */
export async function runRaterLoop(options: RaterLoopOptions): Promise<RaterLoopResult> {
  const { socket, stats } = options;
  const random = options.random ?? Math.random;
  const pace = options.paceMs ?? 0;
  const send = { ackTimeoutMs: options.ackTimeoutMs ?? 10_000, maxAttempts: options.maxAttempts ?? 5, stats };
  const patience = options.nothingLeftPatienceMs ?? 2_000;
  let judgments = 0;
  let idleSince: number | undefined;

  for (;;) {
    if (options.judgments !== undefined && judgments >= options.judgments) return { judgments, reason: 'limit' };
    if (options.shouldStop?.()) return { judgments, reason: 'stopped' };
    if (options.budget && !options.budget.take()) return { judgments, reason: 'limit' };
    let judged = false;
    try {
      const started = performance.now();
      const next = await request(socket, 'assignment:next', options.taskId ? { taskId: options.taskId } : {}, send);
      if ('done' in next) {
        idleSince ??= performance.now();
        if (next.reason !== 'nothing_left_for_you' || performance.now() - idleSince >= patience) {
          return { judgments, reason: next.reason };
        }
        await sleep(100 + random() * 200);
        continue;
      }
      idleSince = undefined;
      let latency = performance.now() - started;

      const assignment: Assignment = next.assignment;
      const thinkMs = pace > 0 ? Math.round(pace * (0.5 + random())) : 0;
      if (thinkMs > 0) await sleep(thinkMs);

      const choice = plausibleChoice(assignment.scale.points, random);
      const key = randomUUID(); // once per judgment: every resend below carries the same key
      const submitStarted = performance.now();
      try {
        const ack = await request(
          socket,
          'judgment:submit',
          { assignmentId: assignment.id, key, choice, timeMs: thinkMs },
          send,
        );
        latency += performance.now() - submitStarted;
        judged = true;
        judgments++;
        stats?.record(latency);
        options.onJudgment?.({ assignmentId: assignment.id, judgmentId: ack.judgmentId, choice, latencyMs: latency });
      } catch (err) {
        // The lease ran out while thinking: the pair went back to the pool; ask for the next one.
        if (err instanceof Refused && err.body.code === 'lease_expired') {
          if (stats) stats.expired++;
          continue;
        }
        throw err;
      }
    } catch (err) {
      if (stats) stats.errors++;
      return { judgments, reason: 'error', error: (err as Error).message };
    } finally {
      if (!judged) options.budget?.giveBack();
    }
  }
}
