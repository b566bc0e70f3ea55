import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('sign-in and sessions', () => {
  it('signs in with the right password and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const rater = await app.createUser({ email: 'Ada@Example.test', password: 'correct horse' });
    const res = await app.api('POST', '/api/auth/login', {
      body: { email: 'ada@example.test', password: 'correct horse' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: rater.user.id, role: 'rater', status: 'active' } });
    expect(JSON.stringify(res.body)).not.toContain('password');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('answers the same 401 for a wrong password, an unknown email and a disabled account', async () => {
    const active = await app.createUser();
    const disabled = await app.createUser();
    await app.services.users.update(disabled.user.id, { status: 'disabled' }, 'someone-else');
    const attempts = [
      { email: active.email, password: 'wrong password' },
      { email: 'nobody@example.test', password: 'whatever123' },
      { email: disabled.email, password: disabled.password },
    ];
    const bodies = [];
    for (const body of attempts) {
      const res = await app.api('POST', '/api/auth/login', { body });
      expect(res.status).toBe(401);
      bodies.push(res.body);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]).toMatchObject({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('rejects a malformed login body with validation_failed naming the field', async () => {
    const res = await app.api('POST', '/api/auth/login', { body: { email: 42 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: expect.arrayContaining([expect.objectContaining({ path: 'email' })]),
      },
    });
  });

  it('answers invalid JSON with a 400 in the contract shape, not a stack trace', async () => {
    const res = await app.api('POST', '/api/auth/login', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('me returns the user for a session and 401 after logout', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    expect((await app.api('GET', '/api/auth/me', { cookie })).body).toMatchObject({ user: { email: rater.email } });
    expect((await app.api('POST', '/api/auth/logout', { cookie })).status).toBe(204);
    const after = await app.api('GET', '/api/auth/me', { cookie });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('ends sessions at once when an admin disables the user, and closes their sockets', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const adminCookie = await app.login(admin.email, admin.password);
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const socket = await app.socket({ cookie });
    const ended = new Promise<string>((resolve) => socket.on('session:ended', ({ reason }) => resolve(reason)));
    const disconnected = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    const res = await app.api('PATCH', `/api/users/${rater.user.id}`, {
      cookie: adminCookie,
      body: { status: 'disabled' },
    });
    expect(res.status).toBe(200);
    expect(await ended).toBe('disabled');
    await disconnected;
    expect((await app.api('GET', '/api/auth/me', { cookie })).status).toBe(401);
    await expect(app.socket({ cookie })).rejects.toThrow(/Sign in first/);
  });
});

describe('CSRF defence on cookie-authenticated writes', () => {
  it('refuses a write whose Origin is another site or missing; bearer requests are unaffected', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const cookie = await app.login(admin.email, admin.password);
    const foreign = await app.api('POST', '/api/tasks', {
      cookie,
      body: { name: 'x' },
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: { code: 'forbidden' } });
    const missing = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(missing.status).toBe(403);
    const same = await app.api('POST', '/api/tasks', { cookie, body: { name: 'same-site' } });
    expect(same.status).toBe(201);
    const token = await app.createAdminToken();
    expect((await app.api('POST', '/api/tasks', { token, body: { name: 'script' } })).status).toBe(201);
  });

  it('accepts a same-origin long-polling handshake, which browsers send without Origin, and refuses one with neither', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const { io } = await import('socket.io-client');
    const connect = (headers: Record<string, string>) => {
      const socket = io(app.url, {
        transports: ['polling'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { cookie, ...headers },
      });
      return new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => resolve(err.message));
      }).finally(() => socket.close());
    };
    expect(await connect({ 'sec-fetch-site': 'same-origin' })).toBe('connected');
    expect(await connect({ 'sec-fetch-site': 'cross-site' })).toMatch(/another site/);
    expect(await connect({})).toMatch(/another site/);
  });

  it('refuses a cookie socket handshake from another site', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const { io } = await import('socket.io-client');
    const socket = io(app.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie, origin: 'https://evil.example' },
    });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(error.message).toMatch(/another site/);
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, and authenticate HTTP and sockets', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const cookie = await app.login(admin.email, admin.password);
    const res = await app.api<{ token: { id: string; name: string }; secret: string }>('POST', '/api/tokens', {
      cookie,
      body: { name: 'trainer' },
    });
    expect(res.status).toBe(201);
    expect(res.body.token.name).toBe('trainer');
    const stored = await app.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', res.body.token.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(res.body.secret);
    expect(JSON.stringify(stored)).not.toContain(res.body.secret);
    expect((await app.api('GET', '/api/tasks', { token: res.body.secret })).status).toBe(200);
    const socket = await app.socket({ token: res.body.secret });
    expect(socket.connected).toBe(true);
    const bad = await app.api('GET', '/api/tasks', { token: 'anc_not-a-real-token' });
    expect(bad.status).toBe(401);
    await expect(app.socket({ token: 'anc_nope' })).rejects.toThrow(/Sign in first/);
  });

  it('cannot be created by a rater', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const res = await app.api('POST', '/api/tokens', { cookie, body: { name: 'mine' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('roles on every admin route', () => {
  const adminRoutes: Array<[string, string, unknown?]> = [
    ['GET', '/api/users'],
    ['POST', '/api/users', { email: 'x@example.test', displayName: 'x', role: 'rater' }],
    ['PATCH', '/api/users/00000000-0000-4000-8000-000000000000', { displayName: 'x' }],
    ['GET', '/api/tasks'],
    ['POST', '/api/tasks', { name: 'x' }],
    ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000'],
    ['PATCH', '/api/tasks/00000000-0000-4000-8000-000000000000', { name: 'x' }],
    ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000/stats'],
    ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000/pairs'],
    ['POST', '/api/tasks/00000000-0000-4000-8000-000000000000/pairs'],
    ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000/export?format=dpo'],
    ['POST', '/api/tokens', { name: 'x' }],
  ];

  it('answers 401 to anonymous callers and 403 to raters', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    for (const [method, path, body] of adminRoutes) {
      const anonymous = await app.api(method, path, body === undefined ? {} : { body });
      expect(anonymous.status, `${method} ${path} anonymous`).toBe(401);
      const asRater = await app.api(method, path, { cookie, ...(body === undefined ? {} : { body }) });
      expect(asRater.status, `${method} ${path} as rater`).toBe(403);
      expect(asRater.body).toMatchObject({ error: { code: 'forbidden', message: expect.any(String) } });
    }
  });

  it('refuses socket connections without credentials', async () => {
    await expect(app.socket({})).rejects.toThrow(/Sign in first/);
  });
});

describe('failed sign-in limits', () => {
  it('limits failures per account with 429 and Retry-After, without blocking other accounts behind the same address', async () => {
    const victim = await app.createUser();
    for (let i = 0; i < 10; i++) {
      expect(
        (await app.api('POST', '/api/auth/login', { body: { email: victim.email, password: `guess-${i}` } })).status,
      ).toBe(401);
    }
    const limited = await app.api('POST', '/api/auth/login', {
      body: { email: victim.email, password: victim.password },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/wait/) } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // 100 honest raters on one address (one lab, one NAT) all sign in at once.
    const crowd = await Promise.all(Array.from({ length: 100 }, () => app.createUser()));
    const results = await Promise.all(
      crowd.map((u) => app.api('POST', '/api/auth/login', { body: { email: u.email, password: u.password } })),
    );
    expect(results.map((r) => r.status)).toEqual(crowd.map(() => 200));
  });
});
