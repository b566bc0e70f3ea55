import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@anchor/shared';
import type { AuthUser, AuthMethod } from '../http/locals.js';
import { readCredentials, resolveCaller } from '../http/authenticate.js';
import { handshakeOriginAllowed } from '../http/csrf.js';
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

export function createIo(httpServer: HttpServer, auth: AuthService, publicOrigins: readonly string[]): AnchorServer {
  const io: AnchorServer = new Server(httpServer, { path: '/socket.io', serveClient: false, maxHttpBufferSize: 1e6 });

  // The same check as HTTP. A cookie handshake must come from this site (no cross-site WebSocket hijacking);
  // a token handshake (`auth: {token}`) cannot be forged by a browser and is exempt.
  io.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
      const sessionSecret = token ? undefined : readCredentials(socket.request).sessionSecret;
      if (sessionSecret && !handshakeOriginAllowed(socket.request, publicOrigins)) {
        return next(new Error('This connection came from another site, so it was refused.'));
      }
      const caller = await resolveCaller(
        auth,
        token ? { bearer: token } : { ...(sessionSecret ? { sessionSecret } : {}) },
      );
      if (!caller) return next(new Error('Sign in first: the connection needs a session cookie or an API token.'));
      socket.data = { user: caller.user, authMethod: caller.method };
      next();
    } catch {
      next(new Error('The server could not check your sign-in; try again in a few seconds.'));
    }
  });

  io.on('connection', (socket) => {
    // Rooms are chosen by the server from the authenticated identity, never from the payload.
    void socket.join(rooms.user(socket.data.user.id));
    void socket.join(socket.data.user.role === 'admin' ? rooms.admins : rooms.raters);
  });
  return io;
}
