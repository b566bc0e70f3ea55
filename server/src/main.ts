import path from 'node:path';
import { pino } from 'pino';
import { migrateToLatest } from '@anchor/migrations';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { createDatabase, waitForDatabase } from './db/database.js';
import type { EmbeddedDatabase } from './db/embedded.js';
import { seedDemoTask } from './demo/seed-demo.js';

/**
 * On SIGTERM/SIGINT, in-flight socket events and then in-flight HTTP requests get up to 10 s each (app.ts); past
 * both and a margin, the process gives up on them and exits.
 */
const SHUTDOWN_GRACE_MS = 2 * 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  // Request logs carry headers: never the session cookie, a bearer token or a fresh Set-Cookie (docs/security.md).
  const logger = pino({
    level: config.logLevel,
    redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
  });

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ dir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    // Loaded only when used: it brings the PostgreSQL binaries' package.
    const { startEmbeddedPostgres } = await import('./db/embedded.js');
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir),
      onLog: (line) => logger.debug({ postgres: line }),
    });
    databaseUrl = embedded.url();
  }

  const database = createDatabase(databaseUrl, { poolSize: config.dbPoolSize, logger });
  await waitForDatabase(database.pool, { logger });
  const migrations = await migrateToLatest(database.db);
  for (const m of migrations.results ?? []) logger.info({ migration: m.migrationName, status: m.status }, 'migration');

  const app = createApp({ config, db: database.db, pool: database.pool, logger });
  const firstAdmin = await app.services.users.ensureFirstAdmin(config.admin.email, config.admin.password);
  if (firstAdmin && config.seedDemo) {
    const admin = (await app.services.users.list()).find((u) => u.email === firstAdmin.email);
    const demo = admin && (await seedDemoTask(app.services, admin.id));
    if (demo) logger.info({ taskId: demo.taskId, pairs: demo.pairs }, 'demo task created');
  }

  await new Promise<void>((resolve) => app.httpServer.listen(config.port, config.host, resolve));
  const address = app.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  logger.info({ url }, 'Anchor is ready');
  if (firstAdmin) {
    // Printed once, on the console only: the password is not stored anywhere but as its argon2id hash.
    const lines = [
      '',
      `  Anchor is running at ${url}`,
      `  First admin: ${firstAdmin.email}`,
      firstAdmin.password
        ? `  Password:    ${firstAdmin.password}   (shown once: note it now)`
        : '  Password:    the one in ANCHOR_ADMIN_PASSWORD',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests and sockets');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 5_000);
    force.unref();
    try {
      // app.close: stop accepting, finish in-flight socket events and HTTP requests, close sockets (clients reconnect).
      await app.close();
      logger.info('requests and sockets drained');
      await database.close();
      logger.info('database pool closed');
      if (embedded) {
        await embedded.stop(); // last: nothing uses the database any more
        logger.info('embedded PostgreSQL stopped');
      }
      logger.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
