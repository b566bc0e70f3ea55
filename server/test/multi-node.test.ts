import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment, TaskProgress } from '@anchor/shared';
import {
  RaterStats,
  connectRater,
  runRaterLoop,
  signIn,
  type RaterLoopResult,
  type RaterSocket,
} from '../src/tools/simulated-rater.js';
import { emitAck, startTestApp, type TestApp, type TestUser } from './harness.js';
import { spawnServer, type SpawnedServer } from './spawn-server.js';

/**
 * Two server processes on one database: node A in this process (the harness), node B a child process running the
 * built server. Raters, admins and leases move between them; the socket adapter carries room emits across.
 */
const adminB = { email: 'node-b-admin@example.test', password: 'node-b-admin-password' };
let app: TestApp;
let nodeB: SpawnedServer;
let urlA: string;
let urlB: string;
const sockets: RaterSocket[] = [];

beforeAll(async () => {
  app = await startTestApp();
  urlA = app.url;
  nodeB = await spawnServer({
    DATABASE_URL: app.databaseUrl,
    ANCHOR_SEED_DEMO: 'false',
    ANCHOR_ADMIN_EMAIL: adminB.email,
    ANCHOR_ADMIN_PASSWORD: adminB.password,
    ANCHOR_DB_POOL_SIZE: '10',
  });
  urlB = nodeB.url.replace('//localhost:', '//127.0.0.1:'); // node B listens on 127.0.0.1 only
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await nodeB?.stop();
  await app?.close();
});

async function connect(url: string, cookie: string): Promise<RaterSocket> {
  const socket = await connectRater(url, { cookie }, { reconnection: false });
  sockets.push(socket);
  return socket;
}

async function raterOn(url: string, user?: TestUser): Promise<{ user: TestUser; cookie: string; socket: RaterSocket }> {
  const rater = user ?? (await app.createUser());
  const cookie = await signIn(url, rater.email, rater.password);
  return { user: rater, cookie, socket: await connect(url, cookie) };
}

/** A rater with an API token instead of a password: no argon2 hash to make or check, so 200 start in a moment. */
async function tokenRaterOn(url: string): Promise<{ socket: RaterSocket }> {
  const email = `token-rater-${randomUUID().slice(0, 8)}@example.test`;
  const user = await app.services.users.create({ email, displayName: email.split('@')[0]!, role: 'rater' });
  const { secret } = await app.services.auth.createToken(user.id, 'multi-node test');
  const socket = await connectRater(url, { token: secret }, { reconnection: false });
  sockets.push(socket);
  return { socket };
}

/** Runs `fn` over `items`, `size` at a time. */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return results;
}

/** Resolves with the first event payload that matches, or rejects naming what did not arrive. */
function waitFor<T>(subscribe: (resolve: (value: T) => void) => void, what: string, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function nextAssignment(socket: RaterSocket, taskId: string): Promise<Assignment> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in result)) throw new Error(`expected an assignment, got ${JSON.stringify(result)}`);
  return result.assignment;
}

describe('two server processes on one database', () => {
  it('200 raters split across the nodes make exactly 3,000 judgments on 1,000 pairs × 3', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 3, scale: { points: 5 } });
    await app.importPairs(task.id, app.demoPairs(1000, { prefix: 'race' }));

    const adminSocket = await connect(urlB, await signIn(urlB, adminB.email, adminB.password));
    let complete: TaskProgress | undefined;
    adminSocket.on('task:progress', (p) => {
      if (p.taskId === task.id && p.judgments === 3000) complete = p;
    });

    // Even raters on node A, odd on node B. The first 20 sign in with a password and use the session cookie, the rest
    // an API token: password hashing (on libuv's 4 threads, shared with PostgreSQL's SCRAM handshake) for all 200
    // would only slow the setup on a busy 2-core machine.
    const raters = await inBatches(Array.from({ length: 200 }), 20, (_, i) =>
      i < 20 ? raterOn(i % 2 === 0 ? urlA : urlB) : tokenRaterOn(i % 2 === 0 ? urlA : urlB),
    );
    const perNode = { a: new RaterStats(), b: new RaterStats() };
    const all = new RaterStats();
    const started = performance.now();
    const results: RaterLoopResult[] = await Promise.all(
      raters.map(({ socket }, i) =>
        runRaterLoop({
          socket,
          taskId: task.id,
          paceMs: 0,
          stats: all,
          nothingLeftPatienceMs: 10_000,
          onJudgment: ({ latencyMs }) => (i % 2 === 0 ? perNode.a : perNode.b).record(latencyMs),
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `multi-node race: ${all.judgments} judgments in ${seconds.toFixed(2)} s = ${(all.judgments / seconds).toFixed(0)}/s ` +
        `(node A ${perNode.a.judgments}, node B ${perNode.b.judgments}); next+submit p50 ` +
        `${all.quantile(0.5).toFixed(1)} ms, p99 ${all.quantile(0.99).toFixed(1)} ms; retries ${all.retries}`,
    );

    expect(results.filter((r) => r.reason === 'error')).toEqual([]);
    expect(all.judgments).toBe(3000);
    expect(perNode.a.judgments).toBeGreaterThan(0);
    expect(perNode.b.judgments).toBeGreaterThan(0);

    const judgments = await app.db
      .selectFrom('judgments')
      .where('task_id', '=', task.id)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(judgments.n).toBe(3000);

    // Every pair has exactly 3, by its counter and by counting its judgments, and the two agree.
    const pairs = await sql<{ id: string; judgment_count: number; counted: number }>`
      SELECT p.id, p.judgment_count, (SELECT count(*) FROM judgments j WHERE j.pair_id = p.id)::int AS counted
      FROM pairs p WHERE p.task_id = ${task.id}`.execute(app.db);
    expect(pairs.rows).toHaveLength(1000);
    expect(pairs.rows.filter((p) => p.judgment_count !== 3 || p.counted !== 3)).toEqual([]);

    const doubled = await sql<{ pair_id: string }>`
      SELECT pair_id, rater_id FROM judgments WHERE task_id = ${task.id}
      GROUP BY pair_id, rater_id HAVING count(*) > 1`.execute(app.db);
    expect(doubled.rows).toEqual([]);

    const leased = await app.db
      .selectFrom('assignments')
      .where('task_id', '=', task.id)
      .where('status', '=', 'leased')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(leased.n).toBe(0);

    // Broadcast by whichever node recorded the last judgment, delivered to the admin on node B.
    const deadline = Date.now() + 10_000;
    while (!complete && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(complete).toMatchObject({ judgments: 3000, completePairs: 1000, activeLeases: 0 });
  });

  it('room emits from node A reach sockets on node B: progress, task updates, and disconnecting a disabled rater', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'rooms' }));
    const adminSocket = await connect(urlB, await signIn(urlB, adminB.email, adminB.password));
    const onA = await raterOn(urlA);
    const onB = await raterOn(urlB);

    // Node B leases and records nothing in this task, so it has nothing of its own to announce.
    const progress = waitFor<TaskProgress>(
      (resolve) => adminSocket.on('task:progress', (p) => p.taskId === task.id && p.judgments === 1 && resolve(p)),
      'task:progress on node B for a judgment made on node A',
    );
    const assignment = await nextAssignment(onA.socket, task.id);
    expect(
      await emitAck(onA.socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({ ok: true });
    expect(await progress).toMatchObject({ judgments: 1, completePairs: 1 });

    const updated = waitFor<string>(
      (resolve) => onB.socket.on('task:updated', ({ task: t }) => t.id === task.id && resolve(t.name)),
      'task:updated on node B',
    );
    await app.services.tasks.update(task.id, { name: 'Renamed on node A' });
    expect(await updated).toBe('Renamed on node A');

    const disconnected = waitFor<string>((resolve) => onB.socket.on('disconnect', resolve), 'the disconnect on node B');
    const admin = await app.createUser({ role: 'admin' });
    await app.services.users.update(onB.user.user.id, { status: 'disabled' }, admin.user.id);
    expect(await disconnected).toBe('io server disconnect');
  });

  it('moves leases across nodes: expiry frees the pair for node B, a late submit on A is refused, a reconnect resumes', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'lease' }));
    const first = await raterOn(urlA);
    const second = await raterOn(urlB);

    const held = await nextAssignment(first.socket, task.id);
    const other = await nextAssignment(second.socket, task.id);
    expect(
      await emitAck(second.socket, 'judgment:submit', { assignmentId: other.id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({ ok: true });
    expect(await emitAck(second.socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });

    // Either node's sweeper may reclaim it; the rater on node A is told either way.
    const expired = waitFor<string>(
      (resolve) => first.socket.on('assignment:expired', ({ assignmentId }) => resolve(assignmentId)),
      'assignment:expired on node A',
    );
    await sql`UPDATE assignments SET expires_at = now() - interval '1 second' WHERE id = ${held.id}`.execute(app.db);
    expect(await expired).toBe(held.id);

    const taken = await nextAssignment(second.socket, task.id);
    expect(new Set([taken.left.text, taken.right.text])).toEqual(new Set([held.left.text, held.right.text]));
    const late = await emitAck(first.socket, 'judgment:submit', {
      assignmentId: held.id,
      key: randomUUID(),
      choice: 1,
    });
    expect(late).toMatchObject({ ok: false, error: { code: 'lease_expired' } });

    // The rater holding the lease on node B reconnects to node A and gets the same assignment back.
    second.socket.disconnect();
    const again = await connect(urlA, second.cookie);
    expect((await nextAssignment(again, task.id)).id).toBe(taken.id);
    expect(
      await emitAck(again, 'judgment:submit', { assignmentId: taken.id, key: randomUUID(), choice: -1 }),
    ).toMatchObject({ ok: true });
  });

  it('survives losing every database connection, as in a restart, and carries room emits again', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(app.db);

    // The adapters reconnect within about three seconds; until then an emit may be lost, so ask again.
    const onB = await raterOn(urlB);
    const deadline = Date.now() + 20_000;
    let renamed: string | undefined;
    for (let attempt = 1; !renamed && Date.now() < deadline; attempt++) {
      const name = `After the restart, try ${attempt}`;
      const seen = waitFor<string>(
        (resolve) =>
          onB.socket.on('task:updated', ({ task: t }) => t.id === task.id && t.name === name && resolve(name)),
        'task:updated',
        1_000,
      );
      await app.services.tasks.update(task.id, { name });
      renamed = await seen.catch(() => undefined);
    }
    expect(renamed).toBeDefined();
    expect(nodeB.child.exitCode).toBeNull();
    expect(nodeB.output()).toMatch(/socket adapter lost its LISTEN connection/);
    expect(nodeB.output()).toMatch(/socket adapter is listening again/);
  });

  it('node B stops cleanly on Ctrl-C with its socket adapter running', async () => {
    expect(await nodeB.stop()).toBe(0);
    expect(nodeB.output()).toMatch(/stopped cleanly/);
    expect(nodeB.output()).not.toMatch(/"level":(50|60)/); // no error or fatal log lines
  });
});

/** The machine's Redis (CI has one on 127.0.0.1:6379); the Redis adapter's test is skipped where none answers. */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(redisUrl);
  const probe = net.connect({ host: hostname, port: Number(port || 6379), timeout: 1_000 });
  const answer = (up: boolean) => {
    probe.destroy();
    resolve(up);
  };
  probe.once('connect', () => answer(true));
  probe.once('error', () => answer(false));
  probe.once('timeout', () => answer(false));
});

describe.skipIf(!redisUp)('two server processes with the Redis adapter', () => {
  it('carries room emits and disconnects from one node to the other through Redis', async () => {
    const env = {
      DATABASE_URL: app.databaseUrl,
      ANCHOR_SEED_DEMO: 'false',
      ANCHOR_SOCKET_ADAPTER: 'redis',
      REDIS_URL: redisUrl,
      ANCHOR_DB_POOL_SIZE: '5',
    };
    const [nodeC, nodeD] = await Promise.all([spawnServer(env), spawnServer(env)]);
    const [urlC, urlD] = [nodeC.url, nodeD.url].map((u) => u.replace('//localhost:', '//127.0.0.1:')) as [
      string,
      string,
    ];
    try {
      const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
      await app.importPairs(task.id, app.demoPairs(1, { prefix: 'redis' }));
      const admin = await app.createUser({ role: 'admin' });
      const adminCookie = await signIn(urlD, admin.email, admin.password);
      const adminSocket = await connect(urlD, adminCookie);
      const rater = await raterOn(urlC);

      const progress = waitFor<TaskProgress>(
        (resolve) => adminSocket.on('task:progress', (p) => p.taskId === task.id && p.judgments === 1 && resolve(p)),
        'task:progress through Redis',
      );
      const assignment = await nextAssignment(rater.socket, task.id);
      expect(
        await emitAck(rater.socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 }),
      ).toMatchObject({ ok: true });
      expect(await progress).toMatchObject({ judgments: 1, completePairs: 1 });

      const disconnected = waitFor<string>((resolve) => rater.socket.on('disconnect', resolve), 'the disconnect');
      const res = await fetch(`${urlD}/api/users/${rater.user.user.id}`, {
        method: 'PATCH',
        headers: { cookie: adminCookie, origin: urlD, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'disabled' }),
      });
      expect(res.status).toBe(200);
      expect(await disconnected).toBe('io server disconnect');
    } finally {
      expect(await nodeC.stop()).toBe(0);
      expect(await nodeD.stop()).toBe(0);
    }
    expect(nodeC.output() + nodeD.output()).not.toMatch(/"level":(50|60)/);
  });
});
