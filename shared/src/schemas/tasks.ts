import { z } from 'zod';
import { countryCode, isoDate, languageTag, uuid } from './common.js';

export const taskStatuses = ['draft', 'active', 'paused', 'archived'] as const;
export const taskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof taskStatus>;

export const scale = z.object({
  points: z
    .number()
    .int()
    .min(2, { message: 'must be between 2 and 9' })
    .max(9, { message: 'must be between 2 and 9' }),
});
export type Scale = z.infer<typeof scale>;

export const eligibility = z.object({
  countries: z.array(countryCode).max(250).optional(),
  languages: z.array(languageTag).max(100).optional(),
});
export type Eligibility = z.infer<typeof eligibility>;

export const task = z.object({
  id: uuid,
  name: z.string(),
  instructions: z.string(),
  status: taskStatus,
  judgmentsPerPair: z.number().int(),
  scale,
  leaseSeconds: z.number().int(),
  eligibility,
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Task = z.infer<typeof task>;

const taskFields = {
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  instructions: z.string().max(100_000),
  judgmentsPerPair: z
    .number()
    .int()
    .min(1, { message: 'must be between 1 and 50' })
    .max(50, { message: 'must be between 1 and 50' }),
  scale,
  leaseSeconds: z
    .number()
    .int()
    .min(30, { message: 'must be between 30 and 86400 seconds' })
    .max(86_400, { message: 'must be between 30 and 86400 seconds' }),
  eligibility,
};

export const createTaskBody = z.object({
  name: taskFields.name,
  instructions: taskFields.instructions.default(''),
  judgmentsPerPair: taskFields.judgmentsPerPair.default(3),
  scale: taskFields.scale.default({ points: 5 }),
  leaseSeconds: taskFields.leaseSeconds.default(600),
  eligibility: taskFields.eligibility.default({}),
});
export type CreateTaskBody = z.input<typeof createTaskBody>;

export const patchTaskBody = z.object({ ...taskFields, status: taskStatus }).partial();
export type PatchTaskBody = z.infer<typeof patchTaskBody>;

export const taskResponse = z.object({ task });
export const tasksResponse = z.object({ tasks: z.array(task) });

/** Counts behind `task:progress` and the start of `GET /api/tasks/:id/stats`. */
export const taskProgress = z.object({
  taskId: uuid,
  pairs: z.number(),
  judgments: z.number(),
  completePairs: z.number(),
  activeLeases: z.number(),
});
export type TaskProgress = z.infer<typeof taskProgress>;

export const taskStats = taskProgress.omit({ taskId: true }).extend({
  raters: z.number(),
  skips: z.number(),
  agreement: z.object({ alphaOrdinal: z.number().nullable(), alphaNominal: z.number().nullable() }),
  positionBias: z.object({ leftShare: z.number().nullable() }),
  preferenceCounts: z.record(z.string(), z.number()),
});
export type TaskStats = z.infer<typeof taskStats>;

/** Rater-facing summary of a task: never model names or other raters' data. */
export const raterTask = z.object({
  id: uuid,
  name: z.string(),
  instructions: z.string(),
  scale,
  judgedByMe: z.number(),
  available: z.number(),
});
export type RaterTask = z.infer<typeof raterTask>;
export const raterTasksResponse = z.object({ tasks: z.array(raterTask) });
