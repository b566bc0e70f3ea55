import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import expressStaticGzip from 'express-static-gzip';
import { pinoHttp } from 'pino-http';
import type pg from 'pg';
import type { Logger } from 'pino';
import { JSON_BODY_LIMIT_BYTES } from '@anchor/shared';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { errors } from './errors.js';
import { authenticate } from './http/authenticate.js';
import { csrfGuard } from './http/csrf.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import { createRateLimits } from './http/rate-limits.js';
import { securityHeaders } from './http/security-headers.js';
import { DomainEvents } from './lib/domain-events.js';
import { AssignmentRepository } from './modules/assignments/assignment.repository.js';
import { assignmentRoutes } from './modules/assignments/assignment.routes.js';
import { AssignmentService } from './modules/assignments/assignment.service.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { AuditService } from './modules/audit/audit.service.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import { ExportRepository } from './modules/exports/export.repository.js';
import { MeRepository } from './modules/me/me.repository.js';
import { meRoutes } from './modules/me/me.routes.js';
import { MeService } from './modules/me/me.service.js';
import { exportRoutes } from './modules/exports/export.routes.js';
import { ExportService } from './modules/exports/export.service.js';
import { JudgmentChainRepository, startSealer } from './modules/exports/judgment-chain.repository.js';
import { InviteRepository } from './modules/invites/invite.repository.js';
import { inviteAdminRoutes, invitePublicRoutes } from './modules/invites/invite.routes.js';
import { InviteService } from './modules/invites/invite.service.js';
import { PairRepository } from './modules/pairs/pair.repository.js';
import { pairRoutes } from './modules/pairs/pair.routes.js';
import { PairService } from './modules/pairs/pair.service.js';
import { ProgressRepository } from './modules/progress/progress.repository.js';
import { ProgressService } from './modules/progress/progress.service.js';
import { QualityRepository } from './modules/quality/quality.repository.js';
import { qualityRoutes } from './modules/quality/quality.routes.js';
import { QualityService } from './modules/quality/quality.service.js';
import { TaskRepository } from './modules/tasks/task.repository.js';
import { taskRoutes } from './modules/tasks/task.routes.js';
import { TaskService } from './modules/tasks/task.service.js';
import { UserRepository } from './modules/users/user.repository.js';
import { userRoutes } from './modules/users/user.routes.js';
import { UserService } from './modules/users/user.service.js';
import { attachSocketAdapter } from './realtime/adapter.js';
import { registerRatingHandlers } from './realtime/handlers.js';
import { announceShutdown, createIo, drainSockets, type AnchorServer } from './realtime/io.js';
import { startNotifier } from './realtime/notifier.js';

export interface AppDeps {
  config: Config;
  db: Database;
  /** The pool behind `db`, for what kysely cannot do (streaming COPY, the socket adapter's NOTIFY). */
  pool: pg.Pool;
  logger: Logger;
}

export type Services = ReturnType<typeof createServices>;

/** Wires repositories into services. No I/O happens here. */
export function createServices(db: Database, pool: pg.Pool, config: Config, events: DomainEvents, logger?: Logger) {
  const users = new UserRepository(db);
  const tasks = new TaskRepository(db);
  const auth: AuthService = new AuthService(new AuthRepository(db), users, config.sessionDays);
  const chain = new JudgmentChainRepository(db);
  const audit = new AuditService(new AuditRepository(db), logger);
  return {
    events,
    auth,
    users: new UserService(users, () => auth, events, audit),
    tasks: new TaskService(tasks, events, audit),
    pairs: new PairService(new PairRepository(db), events, audit),
    audit,
    invites: new InviteService(new InviteRepository(db), audit),
    assignments: new AssignmentService(new AssignmentRepository(db), tasks, users, events),
    progress: new ProgressService(new ProgressRepository(db)),
    me: new MeService(new MeRepository(db)),
    quality: new QualityService(new QualityRepository(db)),
    chain,
    exports: new ExportService(new ExportRepository(db, pool), chain),
  };
}

const clientDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../client/dist');
/** How often each node looks for expired leases; any node may reclaim any lease. */
const LEASE_SWEEP_MS = 1000;
/** On close: how long in-flight socket events, then in-flight HTTP requests, may take to finish. */
const SHUTDOWN_DRAIN_MS = 10_000;

export interface AnchorApp {
  httpServer: HttpServer;
  /** The express application (its router stack is the route table: server/test/role-matrix.test.ts walks it). */
  express: express.Express;
  io: AnchorServer;
  services: Services;
  /** Stops background work and closes sockets and HTTP; the caller closes the database afterwards. */
  close(): Promise<void>;
}

export function createApp({ config, db, pool, logger }: AppDeps): AnchorApp {
  const events = new DomainEvents();
  const services = createServices(db, pool, config, events, logger);
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders()); // CSP, frame-ancestors, nosniff, referrer policy (docs/security.md)
  const limits = createRateLimits(config);

  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' } }));
  app.use(healthRoutes(db));

  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT_BYTES }));
  api.use(authenticate(services.auth, limits));
  api.use(csrfGuard(config.publicOrigins));
  api.use(authRoutes(services.auth, services.users));
  api.use(invitePublicRoutes(services.invites, services.auth));
  api.use((_req, res, next) => {
    if (!res.locals.user) throw errors.unauthorized();
    next();
  });
  api.use(userRoutes(services.users));
  api.use(pairRoutes(services.pairs, services.tasks, config.importMaxBytes));
  api.use(exportRoutes(services.exports, services.tasks, services.audit));
  api.use(inviteAdminRoutes(services.invites, config.publicOrigins));
  api.use(auditRoutes(services.audit, services.tasks));
  api.use(taskRoutes(services.tasks, services.progress));
  api.use(qualityRoutes(services.quality, services.tasks));
  api.use(assignmentRoutes(services.assignments));
  api.use(meRoutes(services.me));
  api.use(notFoundHandler);
  app.use('/api', api);

  if (existsSync(clientDist)) {
    // Raters on slow links: the build compresses the client's files once at the highest levels (brotli, gzip), and
    // each browser gets the smallest it accepts; the content-hashed assets are cached for good.
    app.use(
      '/assets',
      expressStaticGzip(path.join(clientDist, 'assets'), {
        enableBrotli: true,
        orderPreference: ['br', 'gzip'],
        index: false,
        serveStatic: { immutable: true, maxAge: '1y' },
      }),
    );
    app.use(express.static(clientDist, { index: false, maxAge: '1h' }));
    // The client routes in the browser: every other GET gets the app shell.
    app.get(/^(?!\/(api|socket\.io)\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(clientDist, 'index.html'));
    });
  }
  app.use(notFoundHandler);
  app.use(errorHandler);

  const httpServer = createServer(app);
  const io = createIo(httpServer, services.auth, config.publicOrigins, limits);
  // Room emits reach sockets on every node sharing the database (README: "Running several nodes").
  const adapter = attachSocketAdapter(io, { kind: config.socketAdapter, pool, redisUrl: config.redisUrl, logger });
  registerRatingHandlers(io, services.assignments, logger);
  const stopNotifier = startNotifier(io, events, services.progress, logger);

  const sweep = setInterval(() => {
    services.assignments.reclaimExpiredLeases().catch((err: unknown) => logger.warn({ err }, 'lease sweep failed'));
  }, LEASE_SWEEP_MS);
  sweep.unref();
  // Seals committed judgments into their task's hash chain (modules/exports/judgment-chain.repository.ts).
  const stopSealer = startSealer(services.chain, logger);

  return {
    httpServer,
    express: app,
    io,
    services,
    async close() {
      clearInterval(sweep);
      // 1. Stop accepting: no new connections; idle keep-alive ones close now, busy ones after their response.
      const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // 2. Finish what is in flight on sockets: new events answer `unavailable` (clients retry elsewhere or later).
      await drainSockets(io, SHUTDOWN_DRAIN_MS);
      // 3. Tell this node's sockets why (the other nodes keep running), then close them: the client sees a transport
      //    close, not a server disconnect, so it reconnects by itself.
      await announceShutdown(io);
      await io.close(); // closes the engine and the adapter; does not wait for HTTP requests
      // 4. Wait for in-flight HTTP requests (an import, an export) to finish, up to the grace period.
      //    A keep-alive connection that goes idle after its response is closed at once, not after its timeout.
      const idle = setInterval(() => httpServer.closeIdleConnections(), 50);
      const grace = setTimeout(() => httpServer.closeAllConnections(), SHUTDOWN_DRAIN_MS);
      await httpClosed;
      clearInterval(idle);
      clearTimeout(grace);
      await stopSealer();
      await stopNotifier(); // before the adapter and the pool close: a progress read may still be under way
      await adapter.close();
    },
  };
}
