import {
  defaultRationale,
  type Criterion,
  type Eligibility,
  type Quota,
  type RationaleSetting,
  type Scale,
  type Task,
  type TaskStatus,
} from '@anchor/shared';
import type { TaskRow } from './task.repository.js';

export function presentTask(row: TaskRow): Task {
  return {
    id: row.id,
    name: row.name,
    instructions: row.instructions,
    status: row.status as TaskStatus,
    judgmentsPerPair: row.judgments_per_pair,
    scale: taskScale(row),
    leaseSeconds: row.lease_seconds,
    eligibility: row.eligibility as Eligibility,
    assignmentOrder: row.assignment_order as Task['assignmentOrder'],
    minJudgments: row.min_judgments,
    maxJudgments: row.max_judgments,
    quota: row.quota as Quota | null,
    goldRate: row.gold_rate,
    goldMinAccuracy: row.gold_min_accuracy,
    goldMinAnswers: row.gold_min_answers,
    criteria: taskCriteria(row),
    rationale: taskRationale(row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The scale, with its point labels when the task has them. */
export function taskScale(row: Pick<TaskRow, 'scale_points' | 'scale_labels'>): Scale {
  const labels = row.scale_labels as string[] | null;
  return labels && labels.length === row.scale_points
    ? { points: row.scale_points, labels }
    : { points: row.scale_points };
}

/** The task's per-criterion ratings (none when unset). */
export function taskCriteria(row: Pick<TaskRow, 'criteria'>): Criterion[] {
  return (row.criteria as Criterion[] | null) ?? [];
}

/** The task's rationale rule (optional, no minimum, when unset). */
export function taskRationale(row: Pick<TaskRow, 'rationale'>): RationaleSetting {
  return (row.rationale as RationaleSetting | null) ?? defaultRationale;
}
