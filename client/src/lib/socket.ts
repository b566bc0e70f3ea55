import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Failure, ServerToClientEvents } from '@anchor/shared';
import { ApiError } from './api';

/** The socket typed from the one shared event map. */
export type AnchorSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type ClientEvent = keyof ClientToServerEvents;
export type EventRequest<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
export type EventResult<E extends ClientEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * Not connected yet: the caller connects once the user is signed in, since the handshake needs the session cookie.
 * WebSocket first: its handshake always carries the Origin header that the server's cross-site check requires, while
 * a long-polling handshake is a same-origin GET, which browsers send without Origin. Polling stays as the fallback
 * for networks that block WebSockets.
 */
export function createAnchorSocket(): AnchorSocket {
  return io({
    path: '/socket.io',
    withCredentials: true,
    autoConnect: false,
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
  });
}

/**
 * Emits a client event and resolves with the server's acknowledgement. Rejects with an ApiError (`timeout`) when no
 * answer arrives in time; socket.io buffers the emit while reconnecting, so a short outage only delays it.
 */
export function emitWithAck<E extends ClientEvent>(
  socket: AnchorSocket,
  event: E,
  request: EventRequest<E>,
  timeoutMs = DEFAULT_ACK_TIMEOUT_MS,
): Promise<EventResult<E>> {
  const timed = socket.timeout(timeoutMs);
  // socket.io's typings cannot relate a generic event name to its parameters, so the contract's types are restated here.
  const emit = timed.emitWithAck.bind(timed) as (event: E, request: EventRequest<E>) => Promise<EventResult<E>>;
  return emit(event, request).catch(() => {
    throw new ApiError(0, 'timeout', 'The server did not answer in time. Check your connection and try again.');
  });
}

/** True for the `{ok: false, error}` answer every client event may give. */
export function isFailure(result: object): result is Failure {
  return 'ok' in result && result.ok === false;
}
