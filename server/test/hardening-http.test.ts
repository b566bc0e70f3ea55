import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '@anchor/shared';
import { parseTrustProxy } from '../src/config.js';
import { emitAck, startTestApp, type TestApp } from './harness.js';

/**
 * docs/security.md, one promise at a time: security headers, CSRF, session rotation and invalidation, cookie flags
 * behind a TLS proxy, rate limits (sign-in, API tokens, socket events) and body limits.
 */
let app: TestApp;
const extra: TestApp[] = [];

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  for (const a of extra) await a.close();
  await app?.close();
});

async function withEnv(env: Record<string, string>): Promise<TestApp> {
  const a = await startTestApp({ env });
  extra.push(a);
  return a;
}

function cookieFrom(res: { headers: Headers }): string | undefined {
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '');
  return match ? `${SESSION_COOKIE}=${match[1]}` : undefined;
}

describe('security headers (helmet)', () => {
  it.each(['/', '/api/auth/me', '/healthz', '/rate/some/page'])(
    '%s carries CSP, frame-ancestors, nosniff and referrer policy',
    async (path) => {
      const res = await fetch(app.url + path);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives: Record<string, string[]> = Object.fromEntries(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives['script-src']).toEqual(["'self'"]); // no 'unsafe-inline', no 'unsafe-eval'
      expect(directives['script-src-attr']).toEqual(["'none'"]);
      expect(directives['default-src']).toEqual(["'self'"]);
      expect(directives['object-src']).toEqual(["'none'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
      expect(directives['base-uri']).toEqual(["'self'"]);
      expect(csp).not.toMatch(/upgrade-insecure-requests/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
      await res.arrayBuffer();
    },
  );
});

describe('CSRF', () => {
  it('refuses cookie-authenticated writes with a foreign or missing Origin; bearer requests are unaffected', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const cookie = await app.login(admin.email, admin.password);
    const body = { name: 'csrf' };
    const foreign = await app.api('POST', '/api/tasks', { cookie, body, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error: { code: 'forbidden' } });
    const missing = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(missing.status).toBe(403);
    // A look-alike origin (same host as a prefix, another port, another scheme) is foreign too.
    for (const origin of [`${app.url}.evil.example`, app.url.replace(/:\d+$/, ':1'), 'null']) {
      expect(
        (await app.api('PATCH', `/api/users/${admin.user.id}`, { cookie, body: {}, headers: { origin } })).status,
      ).toBe(403);
    }
    expect((await app.api('POST', '/api/tasks', { cookie, body })).status).toBe(201); // the harness sends our Origin
    const token = await app.createAdminToken();
    const bearer = await fetch(`${app.url}/api/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify(body),
    });
    expect(bearer.status).toBe(201);
    // Logout is a write too: a foreign site cannot sign the user out.
    expect(
      (await app.api('POST', '/api/auth/logout', { cookie, headers: { origin: 'https://evil.example' } })).status,
    ).toBe(403);
  });

  it('refuses a login from another site (login CSRF) and a cookie socket handshake from another site', async () => {
    const rater = await app.createUser();
    const res = await app.api('POST', '/api/auth/login', {
      body: { email: rater.email, password: rater.password },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    const cookie = await app.login(rater.email, rater.password);
    const { io } = await import('socket.io-client');
    const socket = io(app.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie, origin: 'https://evil.example' },
    });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.disconnect();
    expect(error.message).toMatch(/another site/);
  });
});

describe('sessions', () => {
  it('rotates the session on login: a cookie planted before sign-in is dead after it', async () => {
    const rater = await app.createUser();
    const planted = await app.login(rater.email, rater.password);
    const res = await app.api('POST', '/api/auth/login', {
      cookie: planted,
      body: { email: rater.email, password: rater.password },
    });
    expect(res.status).toBe(200);
    const fresh = cookieFrom(res)!;
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(planted);
    expect((await app.api('GET', '/api/auth/me', { cookie: planted })).status).toBe(401);
    expect((await app.api('GET', '/api/auth/me', { cookie: fresh })).status).toBe(200);
  });

  it('invalidates on logout, on a password change and on disable (sessions, tokens and live sockets)', async () => {
    const admin = await app.createUser({ role: 'admin' });
    const adminCookie = await app.login(admin.email, admin.password);

    const a = await app.createUser();
    const aCookie = await app.login(a.email, a.password);
    expect((await app.api('POST', '/api/auth/logout', { cookie: aCookie })).status).toBe(204);
    expect((await app.api('GET', '/api/auth/me', { cookie: aCookie })).status).toBe(401);

    const b = await app.createUser();
    const bCookies = [await app.login(b.email, b.password), await app.login(b.email, b.password)];
    const changed = await app.api('PATCH', `/api/users/${b.user.id}`, {
      cookie: adminCookie,
      body: { password: 'a-new-password-1' },
    });
    expect(changed.status).toBe(200);
    for (const c of bCookies) expect((await app.api('GET', '/api/auth/me', { cookie: c })).status).toBe(401);
    expect(
      (await app.api('GET', '/api/auth/me', { cookie: await app.login(b.email, 'a-new-password-1') })).status,
    ).toBe(200);

    const c = await app.createUser({ role: 'admin' });
    const cCookie = await app.login(c.email, c.password);
    const cToken = (await app.services.auth.createToken(c.user.id, 'soon disabled')).secret;
    const socket = await app.socket({ cookie: cCookie });
    const ended = new Promise<string>((resolve) => socket.once('session:ended', ({ reason }) => resolve(reason)));
    const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(
      (await app.api('PATCH', `/api/users/${c.user.id}`, { cookie: adminCookie, body: { status: 'disabled' } })).status,
    ).toBe(200);
    expect(await ended).toBe('disabled');
    expect(await gone).toBe('io server disconnect');
    expect((await app.api('GET', '/api/auth/me', { cookie: cCookie })).status).toBe(401);
    expect((await app.api('GET', '/api/auth/me', { token: cToken })).status).toBe(401);
    const login = await app.api('POST', '/api/auth/login', { body: { email: c.email, password: c.password } });
    expect(login.status).toBe(401);
  });

  it('sets HttpOnly, SameSite=Lax and Path=/, and Secure only behind a trusted TLS proxy', async () => {
    const plain = await app.createUser();
    const res = await app.api('POST', '/api/auth/login', {
      body: { email: plain.email, password: plain.password },
      headers: { 'x-forwarded-proto': 'https' }, // not trusted: no proxy configured
    });
    const flags = (res.headers.get('set-cookie') ?? '').split(';').map((f) => f.trim().toLowerCase());
    expect(flags).toContain('httponly');
    expect(flags).toContain('samesite=lax');
    expect(flags).toContain('path=/');
    expect(flags).not.toContain('secure');

    for (const trust of ['1', 'true', 'loopback']) {
      const proxied = await withEnv({ ANCHOR_TRUST_PROXY: trust });
      const user = await proxied.createUser();
      const behind = await proxied.api('POST', '/api/auth/login', {
        body: { email: user.email, password: user.password },
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
      });
      expect(behind.status).toBe(200);
      const secure = (behind.headers.get('set-cookie') ?? '').split(';').map((f) => f.trim().toLowerCase());
      expect(secure, `ANCHOR_TRUST_PROXY=${trust}`).toContain('secure');
      expect(secure).toContain('httponly');
      const direct = await proxied.api('POST', '/api/auth/login', {
        body: { email: user.email, password: user.password },
      });
      expect((direct.headers.get('set-cookie') ?? '').toLowerCase()).not.toMatch(/;\s*secure/);
    }
  });

  it('reads ANCHOR_TRUST_PROXY as Express means it: hop counts, booleans, address lists', () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
  });
});

describe('rate limits', () => {
  it('limits failed sign-ins per account with 429 and Retry-After, and never counts successful ones', async () => {
    const rater = await app.createUser();
    for (let i = 0; i < 3; i++)
      expect(
        (await app.api('POST', '/api/auth/login', { body: { email: rater.email, password: rater.password } })).status,
      ).toBe(200);
    for (let i = 0; i < 10; i++) {
      expect(
        (await app.api('POST', '/api/auth/login', { body: { email: rater.email, password: 'wrong-password' } })).status,
      ).toBe(401);
    }
    const limited = await app.api('POST', '/api/auth/login', {
      body: { email: rater.email, password: rater.password },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lets an honest pipeline through at the default token budget', async () => {
    const token = await app.createAdminToken();
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => app.api('GET', '/api/tasks', { token }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('answers 429 with Retry-After past a token budget, per token, and limits unknown tokens per address', async () => {
    const limitedApp = await withEnv({ ANCHOR_TOKEN_REQUESTS_PER_MINUTE: '5' });
    const token = await limitedApp.createAdminToken();
    const other = await limitedApp.createAdminToken();
    for (let i = 0; i < 5; i++) expect((await limitedApp.api('GET', '/api/tasks', { token })).status).toBe(200);
    const over = await limitedApp.api('GET', '/api/tasks', { token });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limitedApp.api('GET', '/api/tasks', { token: other })).status).toBe(200); // another token is not affected
    // A socket handshake with the spent token is refused with the reason.
    await expect(limitedApp.socket({ token })).rejects.toThrow(/too many requests/i);

    let status = 0;
    for (let i = 0; i < 301 && status !== 429; i++) {
      status = (await limitedApp.api('GET', '/api/auth/me', { token: `anc_not-a-token-${i}` })).status;
    }
    expect(status).toBe(429);
  });

  it('limits events per socket: over the budget the ack answers rate_limited, and the budget comes back', async () => {
    const limitedApp = await withEnv({ ANCHOR_SOCKET_EVENTS_PER_SECOND: '5' });
    const rater = await limitedApp.createUser();
    const socket = await limitedApp.socket({ cookie: await limitedApp.login(rater.email, rater.password) });
    const answers = await Promise.all(Array.from({ length: 20 }, () => emitAck(socket, 'assignment:next', {})));
    const limited = answers.filter((a) => 'ok' in a && a.ok === false && a.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(answers.filter((a) => 'done' in a).length).toBeGreaterThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await emitAck(socket, 'assignment:next', {})).toMatchObject({ done: true });
  });

  it('answers an unknown socket event with not_found instead of leaving the client waiting', async () => {
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const answer = await (
      socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }
    ).emitWithAck('admin:everything', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('body and upload limits', () => {
  it('answers 413 in the contract shape for a JSON body over 1 MB', async () => {
    const token = await app.createAdminToken();
    const res = await app.api('POST', '/api/tasks', {
      token,
      raw: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  it('answers 413 for an import over ANCHOR_IMPORT_MAX_BYTES and writes nothing, declared or streamed', async () => {
    const small = await withEnv({ ANCHOR_IMPORT_MAX_BYTES: '4096' });
    const token = await small.createAdminToken();
    const task = await small.createTask();
    const lines = small
      .demoPairs(200)
      .map((p) => JSON.stringify(p))
      .join('\n');
    expect(lines.length).toBeGreaterThan(4096);
    const declared = await small.api('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: lines,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ error: { code: 'payload_too_large' } });
    // Chunked, with no Content-Length: cut off by counting.
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < lines.length; i += 1000) controller.enqueue(encoder.encode(lines.slice(i, i + 1000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${small.url}/api/tasks/${task.id}/pairs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: stream,
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const rows = await small.db
      .selectFrom('pairs')
      .where('task_id', '=', task.id)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(rows.n).toBe(0);
  });

  it('answers 400, not 500, for NUL characters and unpaired surrogates that PostgreSQL could not store', async () => {
    const token = await app.createAdminToken();
    for (const name of ['a\u0000b', 'lone \ud800 surrogate']) {
      const res = await app.api('POST', '/api/tasks', { token, body: { name } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
    }
    const nested = await app.api('PATCH', `/api/users/${randomUUID()}`, {
      token,
      raw: '{"attributes":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001),
      headers: { 'content-type': 'application/json' },
    });
    expect(nested.status).toBe(400);
  });
});
