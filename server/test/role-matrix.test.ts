import { randomUUID } from 'node:crypto';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitAck, startTestApp, type Credentials, type TestApp, type TestSocket } from './harness.js';
import { routeTable, type Route } from './route-table.js';

/**
 * Access control, generated from the route table: every method and path that the real app mounts under /api (walked
 * from the express router stack, `:params` filled with random UUIDs) is called as anonymous, a disabled user (cookie
 * and token), a rater and an admin (cookie and token), and every socket event the server listens to is sent by each.
 *
 * A new route is admin-only unless it is listed below. A route that should be open to raters or to everyone must be
 * added to SELF or PUBLIC here, on purpose, or this test fails for it.
 */
const PUBLIC = new Set([
  'POST /api/auth/login',
  'POST /api/auth/logout',
  // An invitation is opened and accepted by someone without an account yet; its secret token is the credential.
  'GET /api/invites/:token',
  'POST /api/invites/:token/accept',
]);
const SELF = (route: string) => route === 'GET /api/auth/me' || / \/api\/me(\/|$)/.test(route);

let app: TestApp;
let routes: Route[];
const roles: Record<string, Credentials> = {};
const logins: Record<string, { email: string; password: string }> = {};
const sockets: TestSocket[] = [];

beforeAll(async () => {
  app = await startTestApp();
  routes = routeTable(app.app.express).filter((r) => r.path.startsWith('/api/'));

  const admin = await app.createUser({ role: 'admin' });
  const rater = await app.createUser();
  const disabledRater = await app.createUser();
  const disabledAdmin = await app.createUser({ role: 'admin' });
  roles.admin = { cookie: await app.login(admin.email, admin.password) };
  roles.adminToken = { token: (await app.services.auth.createToken(admin.user.id, 'matrix')).secret };
  roles.rater = { cookie: await app.login(rater.email, rater.password) };
  roles.disabled = { cookie: await app.login(disabledRater.email, disabledRater.password) };
  roles.disabledToken = { token: (await app.services.auth.createToken(disabledAdmin.user.id, 'matrix')).secret };
  roles.anonymous = {};
  logins.admin = admin;
  logins.rater = rater;
  for (const u of [disabledRater, disabledAdmin])
    await app.services.users.update(u.user.id, { status: 'disabled' }, admin.user.id);
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await app?.close();
});

function fill(path: string): string {
  return path.replace(/:[A-Za-z]+/g, () => randomUUID());
}

type Expectation = 'unauthorized' | 'forbidden' | 'allowed';

function expected(role: string, route: Route): Expectation {
  const key = `${route.method} ${route.path}`;
  // A bearer token that is not valid is refused everywhere, login included: it is never retried as anonymous.
  if (role === 'disabledToken') return 'unauthorized';
  if (PUBLIC.has(key)) return 'allowed';
  if (role === 'anonymous' || role === 'disabled') return 'unauthorized';
  if (role === 'rater') return SELF(key) ? 'allowed' : 'forbidden';
  return 'allowed';
}

describe('role × route matrix (generated from the route table)', () => {
  it('finds the API routes', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    // A sanity floor, so an empty walk cannot pass: these exist since issue 2.
    for (const k of [
      'POST /api/auth/login',
      'GET /api/users',
      'POST /api/tasks',
      'POST /api/tasks/:id/pairs',
      'GET /api/tasks/:id/export',
    ]) {
      expect(keys).toContain(k);
    }
    console.log(`role matrix: ${routes.length} routes × 6 callers`);
  });

  it.each(['anonymous', 'disabled', 'disabledToken', 'rater', 'admin', 'adminToken'])(
    'as %s: every route answers as its role allows, never 5xx',
    async (role) => {
      const problems: string[] = [];
      // A session of its own: the logout below ends it, and later tests use the shared ones.
      const login = logins[role];
      const credentials = login ? { cookie: await app.login(login.email, login.password) } : roles[role];
      // Logout last: it ends the session the other calls use.
      const ordered = [...routes].sort(
        (a, b) => Number(a.path === '/api/auth/logout') - Number(b.path === '/api/auth/logout'),
      );
      for (const route of ordered) {
        const url = fill(route.path);
        const res = await app.api(route.method, url, {
          ...credentials,
          ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { body: {} }),
        });
        const key = `${route.method} ${route.path}`;
        const want = expected(role, route);
        const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
        if (res.status >= 500) problems.push(`${key}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (
          res.status >= 400 &&
          (typeof code !== 'string' || typeof (res.body as { error: { message?: unknown } }).error.message !== 'string')
        )
          problems.push(`${key}: ${res.status} without {error: {code, message}}`);
        else if (want === 'unauthorized' && res.status !== 401)
          problems.push(`${key}: expected 401, got ${res.status}`);
        else if (want === 'forbidden' && res.status !== 403) problems.push(`${key}: expected 403, got ${res.status}`);
        else if (want === 'allowed' && (res.status === 401 || res.status === 403))
          problems.push(`${key}: expected access, got ${res.status} ${code}`);
      }
      expect(
        problems,
        `classify new routes in PUBLIC or SELF at the top of this file if they are meant to be open`,
      ).toEqual([]);
    },
  );
});

describe('role × socket event matrix', () => {
  async function connect(credentials: Credentials): Promise<TestSocket> {
    const socket = await app.socket(credentials);
    sockets.push(socket);
    return socket;
  }

  function refusedHandshake(credentials: Credentials): Promise<string> {
    const socket = ioClient(app.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(credentials.token ? { auth: { token: credentials.token } } : {}),
      extraHeaders: credentials.cookie ? { cookie: credentials.cookie, origin: app.url } : {},
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.disconnect();
        reject(new Error('the handshake was accepted'));
      });
      socket.once('connect_error', (err) => {
        socket.disconnect();
        resolve(err.message);
      });
    });
  }

  it('refuses the handshake of anonymous and disabled callers', async () => {
    expect(await refusedHandshake({})).toMatch(/Sign in first/);
    expect(await refusedHandshake(roles.disabled!)).toMatch(/Sign in first/);
    expect(await refusedHandshake(roles.disabledToken!)).toMatch(/Sign in first/);
  });

  it('answers every event the server listens to, for raters and admins, in the contract shape and never internal', async () => {
    const probe = await connect(roles.rater!);
    const serverSocket = [...app.app.io.of('/').sockets.values()].find((s) => s.data.user.role === 'rater');
    const reservedNames = [
      'error',
      'connect',
      'connect_error',
      'disconnect',
      'disconnecting',
      'newListener',
      'removeListener',
    ];
    const events = (serverSocket?.eventNames() ?? []).map(String).filter((e) => !reservedNames.includes(e));
    expect(events).toEqual(expect.arrayContaining(['assignment:next', 'judgment:submit', 'assignment:skip']));
    // socket.io's own names ('error', 'disconnect'…) are refused by the server whatever listens to them.
    for (const reserved of ['error']) {
      const answer = await (
        probe.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
      ).emitWithAck(reserved, {});
      expect(answer).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    probe.disconnect();

    const payloads: unknown[] = [
      {},
      { taskId: randomUUID() },
      { assignmentId: randomUUID(), key: randomUUID(), choice: 0 },
      null,
      'text',
      42,
    ];
    for (const role of ['rater', 'admin', 'adminToken']) {
      const socket = await connect(roles[role]!);
      for (const event of events) {
        for (const payload of payloads) {
          const answer = (await (
            socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
          )
            .emitWithAck(event, payload)
            .catch((err: Error) => {
              throw new Error(`${role} ${event} ${JSON.stringify(payload)}: ${err.message}`);
            })) as {
            ok?: boolean;
            error?: { code: string; message: string };
          };
          if (answer.ok === false) {
            expect(answer.error, `${role} ${event} ${JSON.stringify(payload)}`).toMatchObject({
              code: expect.any(String),
              message: expect.any(String),
            });
            expect(answer.error!.code, `${role} ${event} ${JSON.stringify(payload)}`).not.toBe('internal');
            expect(['unauthorized', 'forbidden']).not.toContain(answer.error!.code);
          }
        }
      }
    }
  });

  it("keeps a rater out of another rater's assignment and out of admin broadcasts", async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'matrix' }));
    const owner = await app.createUser();
    const other = await app.createUser();
    const ownerSocket = await connect({ cookie: await app.login(owner.email, owner.password) });
    const otherSocket = await connect({ cookie: await app.login(other.email, other.password) });
    const adminSocket = await connect(roles.admin!);
    const leaked: string[] = [];
    otherSocket.on('task:progress', () => leaked.push('task:progress'));
    otherSocket.on('rater:paused', () => leaked.push('rater:paused'));
    const progress = new Promise((resolve) =>
      adminSocket.on('task:progress', (p) => p.taskId === task.id && resolve(p)),
    );

    const next = await emitAck(ownerSocket, 'assignment:next', { taskId: task.id });
    if (!('assignment' in next)) throw new Error(JSON.stringify(next));
    const id = next.assignment.id;
    expect(
      await emitAck(otherSocket, 'judgment:submit', { assignmentId: id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emitAck(otherSocket, 'assignment:skip', { assignmentId: id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(
      await emitAck(ownerSocket, 'judgment:submit', { assignmentId: id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({ ok: true });
    await progress;
    await new Promise((r) => setTimeout(r, 500));
    expect(leaked).toEqual([]);
  });
});
