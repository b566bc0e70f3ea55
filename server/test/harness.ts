import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { inject } from 'vitest';
import {
  SESSION_COOKIE,
  type ClientToServerEvents,
  type CreateTaskBody,
  type ImportResult,
  type PairInput,
  type Role,
  type ServerToClientEvents,
  type Task,
  type TaskStatus,
  type User,
  createTaskBody,
} from '@anchor/shared';
import { createApp, type AnchorApp, type Services } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createDatabase, type Database } from '../src/db/database.js';
import { withDatabase } from './global-setup.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface Credentials {
  cookie?: string;
  token?: string;
}

export interface TestUser {
  user: User;
  email: string;
  password: string;
}

export interface TestApp {
  url: string;
  db: Database;
  services: Services;
  app: AnchorApp;
  /** The database this app uses, for tests that start a second server process on it. */
  databaseUrl: string;
  createUser(options?: {
    role?: Role;
    email?: string;
    password?: string;
    country?: string;
    languages?: string[];
  }): Promise<TestUser>;
  /** Signs in over HTTP and returns the session cookie ("name=value"). */
  login(email: string, password: string): Promise<string>;
  createAdminToken(): Promise<string>;
  createTask(options?: Partial<CreateTaskBody> & { status?: TaskStatus }): Promise<Task>;
  importPairs(taskId: string, pairs: PairInput[]): Promise<ImportResult>;
  demoPairs(count: number, options?: { prefix?: string; models?: boolean }): PairInput[];
  /** HTTP request; cookie-authenticated writes carry this server's Origin, as a browser's would. */
  api<T = unknown>(
    method: string,
    path: string,
    options?: Credentials & { body?: unknown; headers?: Record<string, string>; raw?: string | Buffer },
  ): Promise<ApiResponse<T>>;
  /** A connected socket.io client; rejects with the server's connect_error message. */
  socket(credentials: Credentials): Promise<TestSocket>;
  close(): Promise<void>;
}

// ANCHOR_TEST_LOG=error shows the server's own log lines while debugging a test.
const silent = pino({ level: process.env.ANCHOR_TEST_LOG ?? 'silent' });

/** Emits with an acknowledgement and resolves with the server's answer. */
export function emitAck<E extends keyof ClientToServerEvents>(
  socket: TestSocket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  // socket.io's typed emitWithAck infers the ack from the last parameter.
  return (socket.timeout(10_000) as unknown as { emitWithAck: (e: string, p: unknown) => Promise<never> }).emitWithAck(
    event,
    payload,
  );
}

/**
 * A fresh database cloned from the migrated template, and the real server on a random port. `env` adds or overrides
 * configuration variables (ANCHOR_TRUST_PROXY, rate limits…), as the environment would.
 */
export async function startTestApp(options: { env?: Record<string, string> } = {}): Promise<TestApp> {
  const adminUrl = inject('adminDatabaseUrl');
  const database = `anchor_t_${inject('runId')}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database} TEMPLATE ${inject('templateDatabase')}`);
  await admin.end();

  const databaseUrl = withDatabase(adminUrl, database);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    ANCHOR_DB_POOL_SIZE: '10',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const handle = createDatabase(databaseUrl, { poolSize: config.dbPoolSize, logger: silent });
  const app = createApp({ config, db: handle.db, pool: handle.pool, logger: silent });
  await new Promise<void>((resolve) => app.httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`;
  const sockets: TestSocket[] = [];

  const api: TestApp['api'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) {
      headers.cookie = options.cookie;
      headers.origin ??= url;
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Buffer | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (an export, say): the text is the body
    }
    return { status: res.status, body: parsed as never, headers: res.headers, text };
  };

  const testApp: TestApp = {
    url,
    db: handle.db,
    services: app.services,
    app,
    databaseUrl,
    async createUser(options = {}) {
      const email = options.email ?? `${options.role ?? 'rater'}-${randomUUID().slice(0, 8)}@example.test`;
      const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
      const user = await app.services.users.create({
        email,
        displayName: email.split('@')[0]!,
        role: options.role ?? 'rater',
        password,
        ...(options.country ? { country: options.country } : {}),
        ...(options.languages ? { languages: options.languages } : {}),
      });
      return { user, email, password };
    },
    async login(email, password) {
      const res = await api('POST', '/api/auth/login', { body: { email, password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      const setCookie = res.headers.get('set-cookie') ?? '';
      const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie);
      if (!match) throw new Error('login set no session cookie');
      return `${SESSION_COOKIE}=${match[1]}`;
    },
    async createAdminToken() {
      const admin = await testApp.createUser({ role: 'admin' });
      return (await app.services.auth.createToken(admin.user.id, 'test')).secret;
    },
    async createTask(options = {}) {
      const { status, ...fields } = options;
      const task = await app.services.tasks.create(createTaskBody.parse({ name: 'Test task', ...fields }), null);
      return status && status !== 'draft' ? app.services.tasks.update(task.id, { status }) : task;
    },
    importPairs(taskId, pairs) {
      return app.services.tasks
        .getRow(taskId)
        .then((task) =>
          app.services.pairs.import(task, 'jsonl', Readable.from(pairs.map((p) => JSON.stringify(p) + '\n'))),
        );
    },
    demoPairs(count, options = {}) {
      const models = ['atlas-7b', 'baobab-13b', 'cedar-70b'];
      return Array.from({ length: count }, (_, i) => ({
        externalId: `${options.prefix ?? 'p'}-${i}`,
        prompt: `Question ${i}: how should I greet my partner's grandmother?`,
        responseA: { text: `Answer A to question ${i}`, ...(options.models ? { model: models[i % 3]! } : {}) },
        responseB: { text: `Answer B to question ${i}`, ...(options.models ? { model: models[(i + 1) % 3]! } : {}) },
        tags: { topic: 'greetings' },
      }));
    },
    api,
    async socket(credentials) {
      const socket: TestSocket = ioClient(url, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(credentials.token ? { auth: { token: credentials.token } } : {}),
        extraHeaders: { ...(credentials.cookie ? { cookie: credentials.cookie, origin: url } : {}) },
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      return socket;
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      await handle.close();
    },
  };
  return testApp;
}
