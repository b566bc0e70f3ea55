import { randomUUID } from 'node:crypto';
import {
  taskSettingsProblems,
  type createTaskBody,
  type PatchTaskBody,
  type Prompt,
  type Task,
  type TaskPreviewResponse,
  type TaskStatus,
} from '@anchor/shared';
import type { z } from 'zod';
import { errors } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { presentTask, taskCriteria, taskRationale, taskScale } from './task.presenter.js';
import type { TaskRepository, TaskRow } from './task.repository.js';

/** Allowed status moves; archived is final so exported datasets stay frozen. */
const transitions: Record<TaskStatus, TaskStatus[]> = {
  draft: ['active', 'archived'],
  active: ['paused', 'archived'],
  paused: ['active', 'archived'],
  archived: [],
};

export class TaskService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly events: DomainEvents,
    private readonly audit?: AuditService,
  ) {}

  async create(input: z.output<typeof createTaskBody>, createdBy: string | null, actor?: Actor): Promise<Task> {
    const row = await this.tasks.insert({
      name: input.name,
      instructions: input.instructions,
      judgments_per_pair: input.judgmentsPerPair,
      scale_points: input.scale.points,
      scale_labels: input.scale.labels ? JSON.stringify(input.scale.labels) : null,
      lease_seconds: input.leaseSeconds,
      eligibility: JSON.stringify(input.eligibility),
      assignment_order: input.assignmentOrder,
      min_judgments: input.minJudgments,
      max_judgments: input.maxJudgments,
      quota: input.quota === null ? null : JSON.stringify(input.quota),
      gold_rate: input.goldRate,
      gold_min_accuracy: input.goldMinAccuracy,
      gold_min_answers: input.goldMinAnswers,
      criteria: input.criteria.length > 0 ? JSON.stringify(input.criteria) : null,
      rationale: JSON.stringify(input.rationale),
      created_by: createdBy,
    });
    const task = presentTask(row);
    if (actor)
      await this.audit?.record(actor, {
        action: 'task.created',
        targetType: 'task',
        targetId: task.id,
        details: { name: task.name },
      });
    return task;
  }

  async getRow(id: string): Promise<TaskRow> {
    const row = await this.tasks.findById(id);
    if (!row) throw errors.notFound('That task');
    return row;
  }

  async get(id: string): Promise<Task> {
    return presentTask(await this.getRow(id));
  }

  async list(): Promise<Task[]> {
    return (await this.tasks.list()).map(presentTask);
  }

  async update(id: string, patch: PatchTaskBody, actor?: Actor): Promise<Task> {
    const current = await this.getRow(id);
    if (
      patch.status &&
      patch.status !== current.status &&
      !transitions[current.status as TaskStatus].includes(patch.status)
    ) {
      throw errors.conflict(`A ${current.status} task cannot become ${patch.status}.`);
    }
    if (patch.scale && patch.scale.points !== current.scale_points && current.status !== 'draft') {
      throw errors.conflict(
        'The scale can only change while the task is a draft: judgments already made use the old one.',
      );
    }
    const merged = {
      judgmentsPerPair: patch.judgmentsPerPair ?? current.judgments_per_pair,
      minJudgments: patch.minJudgments !== undefined ? patch.minJudgments : current.min_judgments,
      maxJudgments: patch.maxJudgments !== undefined ? patch.maxJudgments : current.max_judgments,
      quota: patch.quota !== undefined ? patch.quota : (current.quota as PatchTaskBody['quota']),
      scale: patch.scale ?? taskScale(current),
    };
    const problems = taskSettingsProblems(merged);
    if (problems.length > 0) {
      throw errors.validation(
        `These settings do not fit together: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`,
        problems,
      );
    }
    const row = await this.tasks.update(id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.instructions !== undefined ? { instructions: patch.instructions } : {}),
      ...(patch.judgmentsPerPair !== undefined ? { judgments_per_pair: patch.judgmentsPerPair } : {}),
      ...(patch.scale !== undefined
        ? {
            scale_points: patch.scale.points,
            scale_labels: patch.scale.labels ? JSON.stringify(patch.scale.labels) : null,
          }
        : {}),
      ...(patch.leaseSeconds !== undefined ? { lease_seconds: patch.leaseSeconds } : {}),
      ...(patch.eligibility !== undefined ? { eligibility: JSON.stringify(patch.eligibility) } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.assignmentOrder !== undefined ? { assignment_order: patch.assignmentOrder } : {}),
      ...(patch.minJudgments !== undefined ? { min_judgments: patch.minJudgments } : {}),
      ...(patch.maxJudgments !== undefined ? { max_judgments: patch.maxJudgments } : {}),
      ...(patch.quota !== undefined ? { quota: patch.quota === null ? null : JSON.stringify(patch.quota) } : {}),
      ...(patch.goldRate !== undefined ? { gold_rate: patch.goldRate } : {}),
      ...(patch.goldMinAccuracy !== undefined ? { gold_min_accuracy: patch.goldMinAccuracy } : {}),
      ...(patch.goldMinAnswers !== undefined ? { gold_min_answers: patch.goldMinAnswers } : {}),
      ...(patch.criteria !== undefined
        ? { criteria: patch.criteria.length > 0 ? JSON.stringify(patch.criteria) : null }
        : {}),
      ...(patch.rationale !== undefined ? { rationale: JSON.stringify(patch.rationale) } : {}),
    });
    if (!row) throw errors.notFound('That task');
    if (patch.judgmentsPerPair !== undefined || patch.minJudgments !== undefined || patch.maxJudgments !== undefined) {
      await this.tasks.retargetPairs(row);
    }
    const task = presentTask(row);
    this.events.emit('taskUpdated', { task });
    if (actor) {
      const changed = Object.keys(patch);
      await this.audit?.record(actor, {
        action: patch.status && patch.status !== current.status ? 'task.status_changed' : 'task.updated',
        targetType: 'task',
        targetId: id,
        details: {
          name: task.name,
          changed,
          ...(patch.status && patch.status !== current.status ? { from: current.status, to: patch.status } : {}),
          // The new values, without the instructions' full text.
          values: Object.fromEntries(Object.entries(patch).filter(([key]) => key !== 'instructions')),
        },
      });
    }
    return task;
  }

  /**
   * The judging screen's view of the task's n-th pair, as a rater would get it (left = A), without a lease: nothing
   * is reserved, counted or recorded. `assignment` is null when the task has no such pair.
   */
  async preview(id: string, n: number): Promise<TaskPreviewResponse> {
    const task = await this.getRow(id);
    const pair = await this.tasks.previewPair(id, n);
    if (!pair) return { preview: true, assignment: null, pair: null };
    return {
      preview: true,
      pair: { id: pair.id, externalId: pair.external_id },
      assignment: {
        id: randomUUID(),
        taskId: task.id,
        instructions: task.instructions,
        prompt: pair.prompt as Prompt,
        left: { text: pair.response_a },
        right: { text: pair.response_b },
        scale: taskScale(task),
        expiresAt: new Date(Date.now() + task.lease_seconds * 1000).toISOString(),
        criteria: taskCriteria(task),
        rationale: taskRationale(task),
      },
    };
  }
}
