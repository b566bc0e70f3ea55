import { EventEmitter } from 'node:events';
import type { Task } from '@anchor/shared';

/** What the domain announces. The realtime notifier alone turns these into socket emits. */
export interface DomainEventMap {
  judgmentRecorded: [{ taskId: string; pairId: string; raterId: string }];
  /** Leases granted, skipped or expired: progress counts changed without a judgment. */
  leasesChanged: [{ taskId: string }];
  pairsImported: [{ taskId: string; inserted: number }];
  taskUpdated: [{ task: Task }];
  leaseExpired: [{ assignmentId: string; raterId: string; taskId: string }];
  raterPaused: [{ taskId: string; raterId: string; goldAccuracy: number; goldAnswered: number; reason: string }];
  userSessionsEnded: [{ userId: string; reason: 'disabled' | 'logged_out' }];
}

export class DomainEvents extends EventEmitter<DomainEventMap> {}
