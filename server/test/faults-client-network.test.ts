import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ErrorBody } from '@anchor/shared';
import { seedPairs, seedRaters } from '../src/bench/seed.js';
import { connectRater, type RaterSocket } from '../src/tools/simulated-rater.js';
import { checkLedger, newLedger, report, watchLeases, type Ledger } from './fault-load.js';
import { startTestApp, type TestApp } from './harness.js';

/**
 * Fault: raters' networks drop under load (issue #7). Simulated raters judge in a closed loop through real socket.io
 * clients while their WebSocket connections are cut at random — some at any moment, some right around a
 * `judgment:submit` (before it is sent, just after, or while the server is storing it), so that a submission may or
 * may not have reached the server and its acknowledgement is lost. The clients reconnect by themselves (socket.io's
 * reconnection) and send every unacknowledged submission again with the same idempotency key, as the browser outbox
 * does. Every acknowledged judgment must be in the database exactly once, and no key may have two rows.
 */
const RATERS = 30;
const PAIRS = 300;
const PER_PAIR = 2;
const PACE_MS = 120;
const CHAOS_EVERY_MS = 150;
const CHAOS_FOR_MS = 3_000;
const ACK_TIMEOUT_MS = 10_000;
/** How long one request may keep failing (drops, reconnects, timeouts) before the rater gives up. */
const REQUEST_DEADLINE_MS = 60_000;
const NOTHING_LEFT_PATIENCE_MS = 15_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const undo of cleanups.reverse()) await undo();
});

/** Where an armed cut falls around a rater's next submit. */
type CutMode = 'before-send' | 'after-send' | 'while-storing';
const CUT_MODES: CutMode[] = ['before-send', 'after-send', 'while-storing'];

interface Submission {
  key: string;
  /** How many times the client put the submit on the wire (or what it believed was the wire). */
  sends: number;
  /** The judgment id of every acknowledgement received for this key. */
  acks: string[];
}

interface Rater {
  socket: RaterSocket;
  /** A submit has been emitted and its acknowledgement has not arrived yet. */
  submitInFlight: boolean;
  /** Cut this rater's network around its next submit. */
  armed?: CutMode;
}

interface Counters {
  drops: number;
  /** Drops that happened while the rater had a submit in flight (its acknowledgement lost). */
  dropsInFlight: number;
  armedCuts: Record<CutMode, number>;
}

/**
 * Drops the connection the way a lost network does for the client: the WebSocket's TCP socket is destroyed without a
 * closing handshake. engine.io-client then reports "transport close" and socket.io's manager reconnects. Returns
 * false when there was no open connection to cut.
 */
function cutNetwork(socket: RaterSocket): boolean {
  const transport = socket.io.engine?.transport as unknown as
    { ws?: { readyState: number; terminate(): void } } | undefined;
  const ws = transport?.ws;
  if (!socket.connected || !ws || ws.readyState !== 1 /* OPEN */) return false;
  ws.terminate();
  return true;
}

function waitConnected(socket: RaterSocket, deadline: number): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        socket.off('connect', onConnect);
        reject(new Error('the socket did not reconnect in time'));
      },
      Math.max(0, deadline - Date.now()),
    );
    const onConnect = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once('connect', onConnect);
  });
}

const TRANSIENT = new Set(['internal', 'unavailable', 'rate_limited']);

type Ack<E extends keyof ClientToServerEvents> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/**
 * Sends one event until it is acknowledged: after a lost connection it waits for socket.io to reconnect and sends the
 * very same payload again (for a submit, the same idempotency key); after a timeout or a transient error, likewise.
 * `onSend` runs right after each emit.
 */
async function request<E extends 'assignment:next' | 'judgment:submit'>(
  rater: Rater,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  onSend: (send: () => Promise<Ack<E>>) => Promise<Ack<E>> = (send) => send(),
): Promise<Ack<E>> {
  const deadline = Date.now() + REQUEST_DEADLINE_MS;
  let lastError = '';
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (attempt > 0) await sleep(Math.min(1_000, 50 * 2 ** Math.min(attempt, 5))); // backoff, not correctness
    try {
      await waitConnected(rater.socket, deadline);
    } catch (err) {
      lastError = (err as Error).message;
      break;
    }
    try {
      const result = await onSend(() => {
        const emit = rater.socket.timeout(ACK_TIMEOUT_MS) as unknown as {
          emitWithAck(event: string, payload: unknown): Promise<Ack<E>>;
        };
        return emit.emitWithAck(event, payload);
      });
      const failure = result as { ok?: false; error?: ErrorBody };
      if (failure.ok === false && failure.error && TRANSIENT.has(failure.error.code)) {
        lastError = failure.error.code;
        continue;
      }
      return result;
    } catch (err) {
      lastError = (err as Error).message; // "socket has been disconnected", or the ack timed out
    }
  }
  throw new Error(`${event} not acknowledged within ${REQUEST_DEADLINE_MS} ms; last: ${lastError}`);
}

/** One rater's closed loop: next → think → submit (resent with its key until acknowledged) → next… */
async function raterLoop(
  rater: Rater,
  taskId: string,
  ledger: Ledger,
  submissions: Map<string, Submission>,
  counters: Counters,
): Promise<string> {
  let idleSince: number | undefined;
  for (;;) {
    const next = await request(rater, 'assignment:next', { taskId });
    if ('ok' in next) throw new Error(`assignment:next refused: ${next.error.code}: ${next.error.message}`);
    if ('done' in next) {
      idleSince ??= Date.now();
      // Near the end, the open pairs may be leased to raters who are reconnecting: ask again for a while.
      if (next.reason !== 'nothing_left_for_you' || Date.now() - idleSince > NOTHING_LEFT_PATIENCE_MS) {
        return next.reason;
      }
      await sleep(100 + Math.random() * 200);
      continue;
    }
    idleSince = undefined;
    await sleep(Math.round(PACE_MS * (0.5 + Math.random())));

    const submission: Submission = { key: randomUUID(), sends: 0, acks: [] };
    submissions.set(submission.key, submission);
    const payload = { assignmentId: next.assignment.id, key: submission.key, choice: 1, timeMs: PACE_MS };
    const result = await request(rater, 'judgment:submit', payload, async (send) => {
      const mode = rater.armed;
      rater.armed = undefined;
      // The network is gone but the client has not noticed yet: the submit goes nowhere.
      if (mode === 'before-send' && cutNetwork(rater.socket)) counters.armedCuts[mode]++;
      submission.sends++;
      rater.submitInFlight = true;
      const acked = send();
      // The submit is on the wire (maybe in the kernel's buffer, maybe at the server); the answer will be lost.
      if (mode === 'after-send' && cutNetwork(rater.socket)) counters.armedCuts[mode]++;
      // The server is most likely storing it when the connection dies.
      if (mode === 'while-storing') {
        setTimeout(() => {
          if (cutNetwork(rater.socket)) counters.armedCuts[mode]++;
        }, 2);
      }
      try {
        return await acked;
      } finally {
        rater.submitInFlight = false;
      }
    });
    if (!result.ok) throw new Error(`judgment:submit refused: ${result.error.code}: ${result.error.message}`);
    submission.acks.push(result.judgmentId);
    ledger.acked.set(result.judgmentId, (ledger.acked.get(result.judgmentId) ?? 0) + 1);
  }
}

describe('network loss on the client', () => {
  it('holds under load: resent submissions land exactly once', async () => {
    const app: TestApp = await startTestApp();
    cleanups.push(() => app.close());
    const pool = new pg.Pool({ connectionString: app.databaseUrl, max: 3 });
    cleanups.push(() => pool.end());

    // What the server received, per idempotency key (a resend whose first send got through is received twice).
    const received = new Map<string, number>();
    app.app.io.on('connection', (socket) => {
      socket.onAny((event: string, payload: { key?: unknown }) => {
        if (event === 'judgment:submit' && typeof payload?.key === 'string') {
          received.set(payload.key, (received.get(payload.key) ?? 0) + 1);
        }
      });
    });

    const task = await app.createTask({ status: 'draft', judgmentsPerPair: PER_PAIR, leaseSeconds: 60 });
    await seedPairs(pool, task, PAIRS, 'netloss');
    await app.services.tasks.update(task.id, { status: 'active' });
    const { cookies } = await seedRaters(pool, RATERS, 'fault-netloss');

    const raters: Rater[] = await Promise.all(
      cookies.map(async (cookie) => ({
        socket: await connectRater(app.url, { cookie }, { reconnection: true, timeoutMs: 10_000 }),
        submitInFlight: false,
      })),
    );
    cleanups.push(() => {
      for (const r of raters) r.socket.disconnect();
    });
    let reconnects = 0;
    for (const r of raters) r.socket.io.on('reconnect', () => reconnects++);

    const ledger = newLedger();
    const submissions = new Map<string, Submission>();
    const counters: Counters = {
      drops: 0,
      dropsInFlight: 0,
      armedCuts: { 'before-send': 0, 'after-send': 0, 'while-storing': 0 },
    };
    const leases = watchLeases(pool, task.id);
    let finished = false;
    const done = Promise.all(
      raters.map((r) =>
        raterLoop(r, task.id, ledger, submissions, counters).catch((err: Error) => `error: ${err.message}`),
      ),
    ).finally(() => {
      finished = true;
    });

    // Let the load get going, then cut networks for a few seconds.
    const warmDeadline = Date.now() + 30_000;
    while (ledger.acked.size < 60 && !finished && Date.now() < warmDeadline) await sleep(20);
    const ackedBefore = ledger.acked.size;
    const chaosUntil = Date.now() + CHAOS_FOR_MS;
    let tick = 0;
    while (Date.now() < chaosUntil && !finished) {
      await sleep(CHAOS_EVERY_MS);
      const pick = () => raters[Math.floor(Math.random() * raters.length)]!;
      // A drop at any moment: idle, thinking, asking for a pair, or waiting for a submit's answer.
      const victim = pick();
      const inFlight = victim.submitInFlight;
      if (cutNetwork(victim.socket)) {
        counters.drops++;
        if (inFlight) counters.dropsInFlight++;
      }
      // And a drop placed around a submit.
      pick().armed = CUT_MODES[tick++ % CUT_MODES.length];
    }
    const ackedDuringChaos = ledger.acked.size - ackedBefore;
    for (const r of raters) r.armed = undefined;

    const results = await done;
    const maxLeases = await leases.stop();
    counters.drops += Object.values(counters.armedCuts).reduce((a, b) => a + b, 0);
    // A rater cut just before its own loop ended reconnects after it (the reconnection delay): give it 10 s.
    const reconnectDeadline = Date.now() + 10_000;
    while (reconnects < counters.drops && Date.now() < reconnectDeadline) await sleep(50);

    const check = await checkLedger(pool, task.id, ledger);
    const { rows } = await pool.query<{ key: string; n: number; id: string }>(
      `SELECT idempotency_key AS key, count(*)::int AS n, min(id::text) AS id
       FROM judgments WHERE task_id = $1 GROUP BY idempotency_key`,
      [task.id],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const all = [...submissions.values()];
    const resent = all.filter((s) => s.sends > 1);
    // The server got the key more than once (the first send arrived, its answer was lost) and stored one judgment.
    const deduplicated = resent.filter((s) => (received.get(s.key) ?? 0) > 1).length;
    // A send never arrived (cut before it left): the resend stored it.
    const lostOnWire = all.filter((s) => (received.get(s.key) ?? 0) < s.sends).length;

    report(
      'client network loss',
      check,
      `drops ${counters.drops} (${counters.dropsInFlight} with a submit in flight; around a submit: ` +
        `${counters.armedCuts['before-send']} before sending, ${counters.armedCuts['after-send']} just after, ` +
        `${counters.armedCuts['while-storing']} while storing), reconnects ${reconnects}, resent ${resent.length} ` +
        `(the server had the first send for ${deduplicated}; a send lost on the wire for ${lostOnWire}); ` +
        `acked during the drops ${ackedDuringChaos}; most leases one rater held ${maxLeases}`,
    );
    console.log(
      `client network loss: acked ${check.acked}, found ${check.found}, duplicated ${check.duplicated}, ` +
        `lost ${check.lost}, drops ${counters.drops}, resent ${resent.length}`,
    );

    expect(results.filter((r) => r !== 'task_complete')).toEqual([]);
    expect(check).toMatchObject({ lost: 0, duplicated: 0, overTarget: 0, leased: 0, unacknowledged: 0 });
    expect(check.acked).toBe(PAIRS * PER_PAIR);
    expect(check.found).toBe(check.acked);
    // Every acknowledged submission is stored exactly once under its key, as the judgment the client was told of.
    const wrong = all.filter((s) => {
      const row = byKey.get(s.key);
      return s.acks.length !== 1 || !row || row.n !== 1 || row.id !== s.acks[0];
    });
    expect(wrong).toEqual([]);
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    expect(rows.length).toBe(all.length);
    // The fault really happened, and both sides of it: answers lost after the server had the submit, and sends lost.
    expect(counters.drops).toBeGreaterThanOrEqual(10);
    expect(resent.length).toBeGreaterThan(0);
    expect(deduplicated).toBeGreaterThan(0);
    expect(reconnects).toBeGreaterThanOrEqual(counters.drops);
    expect(maxLeases).toBeLessThanOrEqual(1);
  });
});
