import { createContext, use, useEffect, useEffectEvent, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ServerToClientEvents } from '@anchor/shared';
import { createAnchorSocket, type AnchorSocket } from './socket';

const SocketContext = createContext<AnchorSocket | null>(null);

/** Every server event carries exactly one payload object. */
export type ServerEventPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];
export type SessionEndReason = ServerEventPayload<'session:ended'>['reason'];

interface SocketProviderProps {
  /** Called when the server ends this user's session (disabled account, sign-out elsewhere, shutdown). */
  onSessionEnded: (reason: SessionEndReason) => void;
  children: ReactNode;
}

/** One socket per signed-in page: it connects on mount (the cookie authenticates it) and closes on sign-out. */
export function SocketProvider({ onSessionEnded, children }: SocketProviderProps) {
  const [socket] = useState(createAnchorSocket);
  const handleSessionEnded = useEffectEvent(onSessionEnded);

  useEffect(() => {
    let endedByServer: SessionEndReason | null = null;
    const onEnded = ({ reason }: { reason: SessionEndReason }) => {
      endedByServer = reason;
      handleSessionEnded(reason);
    };
    const onDisconnect = (reason: string) => {
      // socket.io does not reconnect after a server-side disconnect; a restart (shutdown) should not strand the page.
      if (reason === 'io server disconnect' && endedByServer === 'shutdown') {
        endedByServer = null;
        socket.connect();
      }
    };
    // The browser knows at once when the network goes; socket.io's heartbeat would take up to 45 s to notice. Treat
    // the socket as gone then (so submissions wait in the outbox instead of in a dead connection) and back after.
    const onOffline = () => socket.disconnect();
    const onOnline = () => {
      if (!socket.connected) socket.connect();
    };
    socket.on('session:ended', onEnded);
    socket.on('disconnect', onDisconnect);
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    socket.connect();
    return () => {
      socket.off('session:ended', onEnded);
      socket.off('disconnect', onDisconnect);
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      socket.disconnect();
    };
  }, [socket]);

  return <SocketContext value={socket}>{children}</SocketContext>;
}

export function useSocket(): AnchorSocket {
  const socket = use(SocketContext);
  if (!socket) throw new Error('useSocket must be used inside <SocketProvider>.');
  return socket;
}

/** Subscribes to a server event for the component's lifetime; the latest handler always runs. */
export function useSocketEvent<E extends keyof ServerToClientEvents>(
  event: E,
  handler: (payload: ServerEventPayload<E>) => void,
): void {
  const socket = useSocket();
  const onEvent = useEffectEvent(handler);
  useEffect(() => {
    const listener = (payload: ServerEventPayload<E>) => onEvent(payload);
    // socket.io's listener typing is keyed by literal event names; for a generic E it cannot check this pairing.
    socket.on(event, listener as never);
    return () => {
      socket.off(event, listener as never);
    };
  }, [socket, event]);
}

/** Whether the socket is connected now, re-rendering on every change. */
export function useSocketConnected(): boolean {
  const socket = useSocket();
  return useSyncExternalStore(
    (notify) => {
      socket.on('connect', notify);
      socket.on('disconnect', notify);
      return () => {
        socket.off('connect', notify);
        socket.off('disconnect', notify);
      };
    },
    () => socket.connected,
  );
}

/** Runs `handler` on every connection, including reconnections: the place to catch up on events missed offline. */
export function useSocketConnect(handler: () => void): void {
  const socket = useSocket();
  const onConnect = useEffectEvent(handler);
  useEffect(() => {
    const listener = () => onConnect();
    socket.on('connect', listener);
    return () => {
      socket.off('connect', listener);
    };
  }, [socket]);
}
