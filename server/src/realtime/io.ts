import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@anchor/shared';
import type { AuthUser, AuthMethod } from '../http/locals.js';
import { readCredentials, resolveCaller } from '../http/authenticate.js';
import { handshakeOriginAllowed } from '../http/csrf.js';
import type { RateLimits } from '../http/rate-limits.js';
import { AppError } from '../errors.js';
import type { AuthService } from '../modules/auth/auth.service.js';

export interface SocketData {
  user: AuthUser;
  authMethod: AuthMethod;
}

export type AnchorServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AnchorSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const rooms = {
  user: (id: string) => `user:${id}`,
  admins: 'admins',
  raters: 'raters',
};

/** Per server: whether it is shutting down, and how many events are being handled (acknowledgement not yet sent). */
interface Traffic {
  draining: boolean;
  inFlight: number;
  idle: Array<() => void>;
}
const traffic = new WeakMap<AnchorServer, Traffic>();
const RESERVED_EVENTS = new Set([
  'error',
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

export function createIo(
  httpServer: HttpServer,
  auth: AuthService,
  publicOrigins: readonly string[],
  limits?: RateLimits,
): AnchorServer {
  const io: AnchorServer = new Server(httpServer, { path: '/socket.io', serveClient: false, maxHttpBufferSize: 1e6 });
  const state: Traffic = { draining: false, inFlight: 0, idle: [] };
  traffic.set(io, state);

  // The same check as HTTP. A cookie handshake must come from this site (no cross-site WebSocket hijacking);
  // a token handshake (`auth: {token}`) cannot be forged by a browser and is exempt.
  io.use(async (socket, next) => {
    if (state.draining) return next(new Error('This server is restarting; connect again in a moment.'));
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
      const sessionSecret = token ? undefined : readCredentials(socket.request).sessionSecret;
      if (sessionSecret && !handshakeOriginAllowed(socket.request, publicOrigins)) {
        return next(new Error('This connection came from another site, so it was refused.'));
      }
      const caller = await resolveCaller(
        auth,
        token ? { bearer: token } : { ...(sessionSecret ? { sessionSecret } : {}) },
        limits && { limits, address: socket.handshake.address },
      );
      if (!caller) return next(new Error('Sign in first: the connection needs a session cookie or an API token.'));
      socket.data = { user: caller.user, authMethod: caller.method };
      // Nothing reads the handshake's HTTP request after this; socket.io's advice for many connections is to drop
      // it. `socket.handshake` keeps what a handler may still want (address, headers). Measured: a connection that
      // came straight over WebSocket keeps its upgrade request anyway, through engine.io 6.6's own upgrade response
      // object (10,000 of them in a heap snapshot of (c)), so this frees the polling handshake's request only.
      (socket.conn as { request: unknown }).request = null;
      next();
    } catch (err) {
      if (err instanceof AppError && err.code === 'rate_limited') return next(new Error(err.message));
      next(new Error('The server could not check your sign-in; try again in a few seconds.'));
    }
  });

  io.on('connection', (socket) => {
    // Every event passes here before its handler: the per-socket budget, the drain on shutdown, and the count of
    // events whose acknowledgement is still owed (the shutdown waits for them).
    socket.use((packet, next) => {
      const ack: unknown = packet.at(-1);
      // Names socket.io uses for its own events ('error', 'disconnect'…) are never dispatched from a client.
      if (RESERVED_EVENTS.has(String(packet[0]))) {
        if (typeof ack === 'function') {
          (ack as (r: unknown) => void)({
            ok: false,
            error: { code: 'not_found', message: 'That event name is reserved.' },
          });
        }
        return;
      }
      if (typeof ack !== 'function') return next(); // no acknowledgement: the handlers ignore it anyway
      const refuse = (error: { code: 'rate_limited' | 'unavailable' | 'not_found'; message: string }) =>
        (ack as (r: unknown) => void)({ ok: false, error });
      const name = String(packet[0]);
      if (socket.listeners(name as never).length === 0) {
        return refuse({ code: 'not_found', message: `There is no event called ${JSON.stringify(name.slice(0, 64))}.` });
      }
      if (state.draining) {
        return refuse({ code: 'unavailable', message: 'This server is restarting; send it again in a moment.' });
      }
      void (limits?.socketEvents.take(socket.id) ?? Promise.resolve(undefined)).then((waitMs) => {
        if (waitMs !== undefined) {
          const seconds = Math.max(1, Math.ceil(waitMs / 1000));
          return refuse({
            code: 'rate_limited',
            message: `Too many events on this connection; wait ${seconds} second(s) and send it again.`,
          });
        }
        state.inFlight++;
        let answered = false;
        packet[packet.length - 1] = (...args: unknown[]) => {
          if (!answered) {
            answered = true;
            settle(state);
          }
          (ack as (...a: unknown[]) => void)(...args);
        };
        next();
      });
    });
    // Rooms are chosen by the server from the authenticated identity, never from the payload.
    void socket.join(rooms.user(socket.data.user.id));
    void socket.join(socket.data.user.role === 'admin' ? rooms.admins : rooms.raters);
  });
  return io;
}

function settle(state: Traffic): void {
  state.inFlight--;
  if (state.inFlight === 0) for (const resolve of state.idle.splice(0)) resolve();
}

/**
 * The first step of a graceful shutdown: refuses new handshakes and events (`unavailable`, which clients retry) and
 * waits until every event already being handled has been acknowledged, or `timeoutMs`. Resolves with the number of
 * acknowledgements still owed at the end (0 when everything finished).
 */
export async function drainSockets(io: AnchorServer, timeoutMs: number): Promise<number> {
  const state = traffic.get(io);
  if (!state) return 0;
  state.draining = true;
  if (state.inFlight === 0) return 0;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => state.idle.push(resolve)),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
  return state.inFlight;
}

/**
 * Tells this node's sockets that it is shutting down (`session:ended {reason: 'shutdown'}`) and waits, up to
 * `timeoutMs`, until those packets have left the write buffers: closing the engine right after the emit would drop
 * the ones still queued.
 */
export async function announceShutdown(io: AnchorServer, timeoutMs = 1_000): Promise<void> {
  io.local.emit('session:ended', { reason: 'shutdown' }); // this node's sockets: the other nodes keep running
  const deadline = Date.now() + timeoutMs;
  const pending = () =>
    [...io.of('/').sockets.values()].some(
      (s) => (s.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length > 0,
    );
  while (pending() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20)); // and a moment for the kernel to take what was written
}
