import type { Eligibility, Task, TaskStatus } from '@anchor/shared';
import type { TaskRow } from './task.repository.js';

export function presentTask(row: TaskRow): Task {
  return {
    id: row.id,
    name: row.name,
    instructions: row.instructions,
    status: row.status as TaskStatus,
    judgmentsPerPair: row.judgments_per_pair,
    scale: { points: row.scale_points },
    leaseSeconds: row.lease_seconds,
    eligibility: row.eligibility as Eligibility,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
