import { createAdapter as createPostgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import pg from 'pg';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { Config } from '../config.js';
import type { AnchorServer } from './io.js';

/**
 * Makes room emits (`io.to(room).emit`, `disconnectSockets`) reach sockets on every node, so several server processes
 * behind one database behave as one. `io.local` still means this process only.
 */
export interface SocketAdapter {
  /** Ends the adapter's own connections. Call after `io.close()`, which has closed the adapter itself. */
  close(): Promise<void>;
}

export function attachSocketAdapter(
  io: AnchorServer,
  options: { kind: Config['socketAdapter']; pool: pg.Pool; redisUrl: string | undefined; logger: Logger },
): SocketAdapter {
  const logger = options.logger.child({ component: 'socket-adapter', adapter: options.kind });
  if (options.kind === 'postgres') return attachPostgres(io, options.pool, logger);
  if (options.kind === 'redis') return attachRedis(io, options.redisUrl!, logger);
  return { close: () => Promise.resolve() };
}

/**
 * LISTEN/NOTIFY through the database every node already has. Small packets ride NOTIFY; larger ones go through the
 * `socket_io_attachments` table (a migration creates it).
 *
 * The adapter holds one connection for LISTEN for as long as it runs. It would take that connection from the app's
 * pool, where a lost connection would never be given back (one pool slot gone per database restart) and would emit
 * an `error` nobody listens to, which crashes Node. So it gets a pool that lends it a dedicated client of its own,
 * with an error listener, while its NOTIFYs and attachment queries go through the app's pool as usual.
 */
function attachPostgres(io: AnchorServer, pool: pg.Pool, logger: Logger): SocketAdapter {
  const clients = new Set<pg.Client>();
  let closed = false;
  let lost = false;

  const listenPool = {
    query: pool.query.bind(pool),
    async connect() {
      // After close the adapter must stop retrying: a promise that never settles ends its reconnection loop.
      if (closed) return new Promise<never>(() => {});
      const client = new pg.Client({ ...pool.options, keepAlive: true });
      client.on('error', (err) => {
        if (!lost) logger.warn({ err: err.message }, 'socket adapter lost its LISTEN connection; reconnecting');
        lost = true;
      });
      client.on('end', () => clients.delete(client));
      clients.add(client);
      try {
        await client.connect();
      } catch (err) {
        clients.delete(client);
        if (!lost) logger.warn({ err: (err as Error).message }, 'socket adapter could not connect; retrying');
        lost = true;
        throw err;
      }
      if (closed) {
        void client.end().catch(() => {});
        return new Promise<never>(() => {});
      }
      if (lost) logger.info('socket adapter is listening again; emits sent while it was away were not delivered');
      lost = false;
      // What the adapter calls on close: this client is not the pool's, so it is ended, not returned.
      return Object.assign(client, { release: () => void client.end().catch(() => {}) });
    },
  };

  io.adapter(
    createPostgresAdapter(listenPool as unknown as pg.Pool, {
      errorHandler: (err) => logger.warn({ err: err.message }, 'socket adapter error'),
    }),
  );

  return {
    async close() {
      closed = true;
      await Promise.allSettled(
        [...clients].map((c) => {
          c.removeAllListeners('end'); // the adapter reconnects on `end`
          c.on('end', () => clients.delete(c));
          return c.end();
        }),
      );
    },
  };
}

/** Redis pub/sub, for deployments that already run Redis. node-redis queues commands while it reconnects. */
function attachRedis(io: AnchorServer, url: string, logger: Logger): SocketAdapter {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const [role, client] of [
    ['publish', pub],
    ['subscribe', sub],
  ] as const) {
    let lost = false;
    client.on('error', (err: Error) => {
      if (!lost) logger.warn({ err: err.message, role }, 'socket adapter lost Redis; reconnecting');
      lost = true;
    });
    client.on('ready', () => {
      if (lost) logger.info({ role }, 'socket adapter reached Redis again');
      lost = false;
    });
    // connect() opens the client at once, so the adapter's SUBSCRIBEs below are queued until Redis answers.
    client.connect().catch((err: unknown) => logger.error({ err, role }, 'socket adapter could not connect to Redis'));
  }
  io.adapter(createRedisAdapter(pub, sub));

  return {
    async close() {
      const graceful = Promise.allSettled([pub.close(), sub.close()]);
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2_000).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') {
        // Redis is not answering: drop what is queued rather than hold the shutdown.
        pub.destroy();
        sub.destroy();
      }
    },
  };
}
