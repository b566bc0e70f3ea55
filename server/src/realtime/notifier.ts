import type { Task } from '@anchor/shared';
import type { Logger } from 'pino';
import type { DomainEventMap, DomainEvents } from '../lib/domain-events.js';
import { PACE_REFRESH_MS, type ProgressService } from '../modules/progress/progress.service.js';
import { rooms, type AnchorServer } from './io.js';

/** How long other nodes' sockets of a signed-out user stay open after being told (see onSessionsEnded). */
const REMOTE_CLOSE_DELAY_MS = 500;

/** At most one `task:progress` per task per window: a broadcast per judgment would cap throughput (and NOTIFY). */
export const PROGRESS_WINDOW_MS = 250;

/** Turns domain events into socket emits. The only place that knows both. */
export function startNotifier(
  io: AnchorServer,
  events: DomainEvents,
  progress: ProgressService,
  logger: Logger,
): () => Promise<void> {
  const pending = new Map<string, NodeJS.Timeout>();
  const settling = new Map<string, NodeJS.Timeout>();
  const closing = new Set<NodeJS.Timeout>();
  /**
   * Tasks whose progress is being read: the read (stopping waits for it, so none outlives the pool it reads from) and
   * the pace age the next read asked for meanwhile (if one did).
   */
  const reading = new Map<string, { read: Promise<void>; again?: number }>();
  let stopped = false;

  // One read of a task's progress at a time: under load a read outlasts the window, and overlapping reads would
  // each pay for it (10,000 raters: five at once, 0.4 of a core of PostgreSQL). A broadcast asked for meanwhile
  // runs once the read ends, with the latest counts.
  const broadcast = (taskId: string, paceMaxAgeMs: number) => {
    if (stopped) return;
    const underWay = reading.get(taskId);
    if (underWay) {
      underWay.again = Math.min(underWay.again ?? Infinity, paceMaxAgeMs);
      return;
    }
    const read = progress
      .progressOf(taskId, paceMaxAgeMs)
      .then((p) => {
        if (!stopped) io.to(rooms.admins).emit('task:progress', p);
      })
      .catch((err: unknown) => logger.warn({ err }, 'progress broadcast failed'))
      .finally(() => {
        const again = reading.get(taskId)?.again;
        reading.delete(taskId);
        if (again !== undefined) broadcast(taskId, again);
      });
    reading.set(taskId, { read });
  };

  const scheduleProgress = ({ taskId }: { taskId: string }) => {
    // Broadcasts in a burst may reuse a recent pace (ProgressService.paceOf); once the task is quiet for a while,
    // one more reads everything afresh, so the admins' last view is exact.
    const settle = settling.get(taskId);
    if (settle) settle.refresh();
    else {
      settling.set(
        taskId,
        setTimeout(() => {
          settling.delete(taskId);
          broadcast(taskId, 0);
        }, PACE_REFRESH_MS + PROGRESS_WINDOW_MS),
      );
    }
    if (pending.has(taskId)) return; // the scheduled emit will read the latest counts
    pending.set(
      taskId,
      setTimeout(() => {
        pending.delete(taskId);
        broadcast(taskId, PACE_REFRESH_MS);
      }, PROGRESS_WINDOW_MS),
    );
  };

  const onExpired = ({ assignmentId, raterId }: { assignmentId: string; raterId: string }) => {
    io.to(rooms.user(raterId)).emit('assignment:expired', { assignmentId });
  };
  const onTask = ({ task }: { task: Task }) => {
    io.to(rooms.raters).to(rooms.admins).emit('task:updated', { task });
    scheduleProgress({ taskId: task.id });
  };
  const onRaterPaused = (payload: DomainEventMap['raterPaused'][0]) => {
    io.to(rooms.admins).emit('rater:paused', payload);
  };
  const onSessionsEnded = ({ userId, reason }: { userId: string; reason: 'disabled' | 'logged_out' }) => {
    const room = rooms.user(userId);
    // Through the adapter, an emit and a disconnect each wait for their own publication (a NOTIFY on a pooled
    // connection), and either may finish first: a socket could be closed before it was told why. This node's sockets
    // are told, then closed, in order and at once; the other nodes' get the same, the close a moment after.
    io.local.to(room).emit('session:ended', { reason });
    io.local.in(room).disconnectSockets(true);
    io.to(room).emit('session:ended', { reason }); // this node's are closed already: it reaches the others'
    const closeElsewhere = setTimeout(() => {
      closing.delete(closeElsewhere);
      io.in(room).disconnectSockets(true);
    }, REMOTE_CLOSE_DELAY_MS);
    closing.add(closeElsewhere);
  };

  events.on('judgmentRecorded', scheduleProgress);
  events.on('leasesChanged', scheduleProgress);
  events.on('pairsImported', scheduleProgress);
  events.on('leaseExpired', onExpired);
  events.on('taskUpdated', onTask);
  events.on('userSessionsEnded', onSessionsEnded);
  events.on('raterPaused', onRaterPaused);

  return async () => {
    stopped = true;
    for (const timer of [...pending.values(), ...settling.values(), ...closing]) clearTimeout(timer);
    pending.clear();
    settling.clear();
    closing.clear();
    events.off('judgmentRecorded', scheduleProgress);
    events.off('leasesChanged', scheduleProgress);
    events.off('pairsImported', scheduleProgress);
    events.off('leaseExpired', onExpired);
    events.off('taskUpdated', onTask);
    events.off('userSessionsEnded', onSessionsEnded);
    events.off('raterPaused', onRaterPaused);
    await Promise.all([...reading.values()].map((r) => r.read));
  };
}
