import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of process.env. Every variable is documented in README.md ("Configuration").
 * Parsed once; an invalid value stops the process at start with a sentence saying which and why.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  ANCHOR_DATA_DIR: z.string().default('./.anchor'),
  ANCHOR_ADMIN_EMAIL: z.string().email().optional(),
  ANCHOR_ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Public origin(s) the browser uses, comma-separated, for the CSRF Origin check behind a proxy. */
  ANCHOR_PUBLIC_ORIGIN: z.string().optional(),
  /** Express "trust proxy": set when TLS ends at a proxy, so cookies get Secure and client IPs are right. */
  ANCHOR_TRUST_PROXY: z.string().optional(),
  /** Requests per minute one API token may make (HTTP and socket handshakes); generous: pipelines must never stall. */
  ANCHOR_TOKEN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** Events per second one socket may send before its acknowledgements answer rate_limited; 0 turns the limit off. */
  ANCHOR_SOCKET_EVENTS_PER_SECOND: z.coerce.number().int().min(0).default(50),
  ANCHOR_SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  ANCHOR_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024 * 1024),
  ANCHOR_SEED_DEMO: z.enum(['true', 'false']).default('true'),
  ANCHOR_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** How socket.io nodes reach each other's sockets: through PostgreSQL (default), Redis, or not at all. */
  ANCHOR_SOCKET_ADAPTER: z.enum(['postgres', 'redis', 'none']).optional(),
  REDIS_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  admin: { email: string | undefined; password: string | undefined };
  publicOrigins: string[];
  /** Express "trust proxy": hop count, true, or addresses/subnets (`loopback`, `10.0.0.0/8`). */
  trustProxy: boolean | number | string | undefined;
  tokenRequestsPerMinute: number;
  socketEventsPerSecond: number;
  sessionDays: number;
  importMaxBytes: number;
  seedDemo: boolean;
  dbPoolSize: number;
  /** How room emits reach other nodes' sockets: `postgres` LISTEN/NOTIFY, `redis` pub/sub, or `none` (one node). */
  socketAdapter: 'postgres' | 'redis' | 'none';
  redisUrl: string | undefined;
  logLevel: string;
}>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  // Setting REDIS_URL is asking for Redis; otherwise PostgreSQL, which every node has anyway.
  const socketAdapter = e.ANCHOR_SOCKET_ADAPTER ?? (e.REDIS_URL ? 'redis' : 'postgres');
  if (socketAdapter === 'redis' && !e.REDIS_URL) {
    throw new Error('Invalid environment: ANCHOR_SOCKET_ADAPTER is redis, so REDIS_URL must say which Redis to use.');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.ANCHOR_DATA_DIR),
    admin: { email: e.ANCHOR_ADMIN_EMAIL, password: e.ANCHOR_ADMIN_PASSWORD },
    publicOrigins: (e.ANCHOR_PUBLIC_ORIGIN ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: parseTrustProxy(e.ANCHOR_TRUST_PROXY),
    tokenRequestsPerMinute: e.ANCHOR_TOKEN_REQUESTS_PER_MINUTE,
    socketEventsPerSecond: e.ANCHOR_SOCKET_EVENTS_PER_SECOND,
    sessionDays: e.ANCHOR_SESSION_DAYS,
    importMaxBytes: e.ANCHOR_IMPORT_MAX_BYTES,
    seedDemo: e.ANCHOR_SEED_DEMO === 'true',
    dbPoolSize: e.ANCHOR_DB_POOL_SIZE,
    socketAdapter,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
  });
}

/**
 * Express reads a string "trust proxy" as a list of addresses, so `ANCHOR_TRUST_PROXY=1` would trust the address
 * 0.0.0.1 and never the proxy: a number is a hop count, `true`/`false` are booleans, anything else a list of
 * addresses or names (`loopback`, `uniquelocal`, `10.0.0.0/8`).
 */
export function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
