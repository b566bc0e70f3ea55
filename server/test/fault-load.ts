import net from 'node:net';
import type pg from 'pg';
import {
  RaterStats,
  connectRater,
  runRaterLoop,
  type RaterLoopResult,
  type RaterSocket,
} from '../src/tools/simulated-rater.js';

/**
 * Shared by the fault tests (faults-*.test.ts): simulated raters under load, the ledger of what the server
 * acknowledged, and the check of that ledger against the database (acked, found, duplicated, lost).
 */

export interface Ledger {
  /** judgmentId → how many times it was acknowledged (a resend with the same key answers the same id). */
  acked: Map<string, number>;
  stats: RaterStats;
}

export interface LoadOptions {
  url: string;
  cookies: string[];
  taskId: string;
  paceMs: number;
  ledger: Ledger;
}

export interface Load {
  sockets: RaterSocket[];
  /** Every rater's loop; resolves when all have ended. */
  done: Promise<RaterLoopResult[]>;
  /** Resolves once `n` judgments have been acknowledged. */
  acked(n: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function newLedger(): Ledger {
  return { acked: new Map(), stats: new RaterStats() };
}

/**
 * Connects every rater (reconnecting sockets, as the web app's) and runs their loops with patient retries: a request
 * that fails on a lost connection, a timeout or `unavailable` is sent again with the same idempotency key, with
 * backoff, for up to about two minutes.
 */
export async function startLoad(options: LoadOptions): Promise<Load> {
  const sockets = await Promise.all(
    options.cookies.map((cookie) => connectRater(options.url, { cookie }, { reconnection: true, timeoutMs: 10_000 })),
  );
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let count = 0;
  const done = Promise.all(
    sockets.map((socket) =>
      runRaterLoop({
        socket,
        taskId: options.taskId,
        paceMs: options.paceMs,
        stats: options.ledger.stats,
        ackTimeoutMs: 5_000,
        maxAttempts: 80,
        nothingLeftPatienceMs: 5_000,
        onJudgment: ({ judgmentId }) => {
          options.ledger.acked.set(judgmentId, (options.ledger.acked.get(judgmentId) ?? 0) + 1);
          count++;
          for (const w of waiters.filter((w) => count >= w.n)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        },
      }),
    ),
  );
  return {
    sockets,
    done,
    acked(n, timeoutMs = 60_000) {
      if (count >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${count} of ${n} judgments acknowledged`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close() {
      for (const s of sockets) s.disconnect();
    },
  };
}

export interface LedgerCheck {
  acked: number;
  found: number;
  /** Rows beyond the first for one assignment, one (pair, rater) or one idempotency key. */
  duplicated: number;
  lost: number;
  /** Rows in the task that no client saw acknowledged (stored, then the answer was lost and never asked for again). */
  unacknowledged: number;
  rows: number;
  /** Pairs holding more judgments than their target. */
  overTarget: number;
  /** Leases still held at the end. */
  leased: number;
}

/** The ledger against the database: every acknowledged judgment must be there exactly once. */
export async function checkLedger(pool: pg.Pool, taskId: string, ledger: Ledger): Promise<LedgerCheck> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM judgments WHERE task_id = $1', [taskId]);
  const ids = new Set(rows.map((r) => r.id));
  const dup = await pool.query<{ extra: number }>(
    `SELECT
       (SELECT count(*) - count(DISTINCT assignment_id) FROM judgments WHERE task_id = $1)
     + (SELECT count(*) - count(DISTINCT (pair_id, rater_id)) FROM judgments WHERE task_id = $1)
     + (SELECT count(*) - count(DISTINCT idempotency_key) FROM judgments WHERE task_id = $1) AS extra`,
    [taskId],
  );
  const over = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pairs p
     WHERE p.task_id = $1
       AND (p.judgment_count > p.target OR (SELECT count(*) FROM judgments j WHERE j.pair_id = p.id) > p.target)`,
    [taskId],
  );
  const leased = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM assignments WHERE task_id = $1 AND status = 'leased'`,
    [taskId],
  );
  const acked = [...ledger.acked.keys()];
  const found = acked.filter((id) => ids.has(id)).length;
  return {
    acked: acked.length,
    found,
    duplicated: Number(dup.rows[0]!.extra),
    lost: acked.length - found,
    unacknowledged: [...ids].filter((id) => !ledger.acked.has(id)).length,
    rows: ids.size,
    overTarget: over.rows[0]!.n,
    leased: leased.rows[0]!.n,
  };
}

/** Samples, every `everyMs`, the most leases one rater holds at once in one task (the invariant: at most one). */
export function watchLeases(pool: pg.Pool, taskId: string, everyMs = 100): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT coalesce(max(n), 0)::int AS n FROM (
             SELECT count(*) AS n FROM assignments
             WHERE task_id = $1 AND status = 'leased' AND expires_at > now() GROUP BY rater_id) t`,
          [taskId],
        );
        max = Math.max(max, rows[0]!.n);
      } catch {
        // the database is away (that is the fault under test): sample again later
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

export function report(name: string, check: LedgerCheck, extra = ''): void {
  console.log(
    `FAULT ${name}: acked ${check.acked}, found ${check.found}, duplicated ${check.duplicated}, lost ${check.lost}` +
      ` (rows ${check.rows}, unacknowledged ${check.unacknowledged}, over target ${check.overTarget}, leases left ${check.leased})` +
      (extra ? `; ${extra}` : ''),
  );
}

/** Polls `url` until `predicate(status)` holds; resolves with the ms it took. */
export async function pollStatus(
  url: string,
  predicate: (status: number) => boolean,
  timeoutMs = 60_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await fetch(url, { signal: AbortSignal.timeout(5_000) })
      .then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      })
      .catch(() => 0);
    if (predicate(status)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${url} never answered as expected (last ${status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A TCP load balancer in front of several server nodes: each new connection goes to the next backend in turn, and to
 * the one after it when that one refuses (a dead node). WebSocket-only clients need no stickiness beyond that.
 */
export async function startBalancer(backends: Array<{ host: string; port: number }>): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  let next = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const attempt = (tries: number) => {
      const backend = backends[next++ % backends.length]!;
      const upstream = net.connect(backend);
      open.add(upstream);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on('error', () => {
        if (!connected && tries > 1 && !client.destroyed) attempt(tries - 1);
        else client.destroy();
      });
      upstream.on('close', () => {
        open.delete(upstream);
        if (connected) client.destroy();
      });
    };
    attempt(backends.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
