import { z } from 'zod';
import { defaultRationale, rationaleModes } from '../rating.js';
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
  /** (extension) A label per point, left to right ("Left much better" … "Right much better"); absent: the defaults. */
  labels: z
    .array(
      z.string().trim().min(1, { message: 'must not be empty' }).max(80, { message: 'must be at most 80 characters' }),
    )
    .max(9)
    .optional(),
});
export type Scale = z.infer<typeof scale>;

export const eligibility = z.object({
  countries: z.array(countryCode).max(250).optional(),
  languages: z.array(languageTag).max(100).optional(),
});
export type Eligibility = z.infer<typeof eligibility>;

export const assignmentOrders = ['finish_first', 'random'] as const;
/** finish_first: pairs under way before fresh ones, then least-judged first, ties at random; random: any open pair. */
export const assignmentOrder = z.enum(assignmentOrders);

/**
 * Per pair, at least `groups[g]` judgments from raters whose `attribute` is g. `attribute` is `country`, `language`
 * (any of the rater's languages) or a key of the rater's `attributes`.
 */
export const quota = z.object({
  attribute: z.string().trim().min(1).max(100),
  groups: z
    .record(z.string().min(1).max(100), z.number().int().min(1).max(50))
    .refine((g) => Object.keys(g).length > 0, {
      message: 'must name at least one group',
    }),
});
export type Quota = z.infer<typeof quota>;

/** A per-criterion rating the task asks for beside the preference, e.g. "respects the asker's culture", 1..points. */
export const criterion = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,40}$/, { message: 'must be 1-40 lower-case letters, digits, - or _' }),
  label: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  points: z
    .number()
    .int()
    .min(2, { message: 'must be between 2 and 10' })
    .max(10, { message: 'must be between 2 and 10' }),
});
export type Criterion = z.infer<typeof criterion>;
export const criteriaSetting = z
  .array(criterion)
  .max(10, { message: 'must have at most 10 criteria' })
  .refine((list) => new Set(list.map((c) => c.id)).size === list.length, { message: 'criterion ids must be unique' });

/** Whether the rater writes a rationale: not asked, optional, or required with at least minLength characters. */
export const rationaleSetting = z.object({
  mode: z.enum(rationaleModes),
  minLength: z.number().int().min(0).max(2000).default(0),
});
export type RationaleSetting = z.output<typeof rationaleSetting>;

const rate = z.number().min(0, { message: 'must be between 0 and 1' }).max(1, { message: 'must be between 0 and 1' });

export const task = z.object({
  id: uuid,
  name: z.string(),
  instructions: z.string(),
  status: taskStatus,
  judgmentsPerPair: z.number().int(),
  scale,
  leaseSeconds: z.number().int(),
  eligibility,
  assignmentOrder,
  /** Adaptive redundancy: each pair gets minJudgments, then more while its raters disagree, up to maxJudgments. */
  minJudgments: z.number().int().nullable(),
  maxJudgments: z.number().int().nullable(),
  quota: quota.nullable(),
  /** Share of served items that are gold checks, while the rater has gold pairs left to see. */
  goldRate: z.number(),
  /** Pause a rater whose gold accuracy falls below this, after goldMinAnswers gold answers; null: never. */
  goldMinAccuracy: z.number().nullable(),
  goldMinAnswers: z.number().int(),
  /** Per-criterion ratings asked beside the preference (empty: none). */
  criteria: z.array(criterion),
  rationale: rationaleSetting,
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type Task = z.infer<typeof task>;

const judgmentCount = z
  .number()
  .int()
  .min(1, { message: 'must be between 1 and 50' })
  .max(50, { message: 'must be between 1 and 50' });

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
  assignmentOrder,
  minJudgments: judgmentCount.nullable(),
  maxJudgments: judgmentCount.nullable(),
  quota: quota.nullable(),
  goldRate: rate,
  goldMinAccuracy: rate.nullable(),
  goldMinAnswers: z.number().int().min(1).max(1000),
  criteria: criteriaSetting,
  rationale: rationaleSetting,
};

/** Settings that must agree with each other, checked on create and on the merged result of a patch. */
export function taskSettingsProblems(t: {
  judgmentsPerPair: number;
  minJudgments?: number | null | undefined;
  maxJudgments?: number | null | undefined;
  quota?: Quota | null | undefined;
  scale?: Scale | undefined;
}): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (t.scale?.labels && t.scale.labels.length !== t.scale.points)
    problems.push({ path: 'scale.labels', message: `must have one label per point (${t.scale.points})` });
  const min = t.minJudgments ?? null;
  const max = t.maxJudgments ?? null;
  if ((min === null) !== (max === null))
    problems.push({ path: 'maxJudgments', message: 'set both minJudgments and maxJudgments, or neither' });
  if (min !== null && max !== null && min > max)
    problems.push({ path: 'minJudgments', message: 'must not be more than maxJudgments' });
  if (t.quota) {
    const reserved = Object.values(t.quota.groups).reduce((a, b) => a + b, 0);
    const perPair = min ?? t.judgmentsPerPair;
    if (reserved > perPair) {
      problems.push({
        path: 'quota.groups',
        message: `reserve ${reserved} judgments per pair but a pair gets only ${perPair}`,
      });
    }
  }
  return problems;
}

export const createTaskBody = z
  .object({
    name: taskFields.name,
    instructions: taskFields.instructions.default(''),
    judgmentsPerPair: taskFields.judgmentsPerPair.default(3),
    scale: taskFields.scale.default({ points: 5 }),
    leaseSeconds: taskFields.leaseSeconds.default(600),
    eligibility: taskFields.eligibility.default({}),
    assignmentOrder: taskFields.assignmentOrder.default('finish_first'),
    minJudgments: taskFields.minJudgments.default(null),
    maxJudgments: taskFields.maxJudgments.default(null),
    quota: taskFields.quota.default(null),
    goldRate: taskFields.goldRate.default(0),
    goldMinAccuracy: taskFields.goldMinAccuracy.default(null),
    goldMinAnswers: taskFields.goldMinAnswers.default(5),
    criteria: taskFields.criteria.default([]),
    rationale: taskFields.rationale.default(defaultRationale),
  })
  .superRefine((t, ctx) => {
    for (const p of taskSettingsProblems(t))
      ctx.addIssue({ code: 'custom', path: p.path.split('.'), message: p.message });
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
  /** (extension) Judgments every pair needs in all (adaptive: the current targets), for "judgments / target". */
  targetJudgments: z.number(),
  /** (extension) Judgments in each of the last 10 minutes, oldest first; the last entry is the current minute. */
  judgmentsPerMinute: z.array(z.number()),
  /** (extension) Raters holding a live lease or who judged in the last 2 minutes. */
  activeRaters: z.number(),
  /** (extension) Seconds to completion at the last 10 minutes' pace; null when nothing was judged in them. */
  etaSeconds: z.number().nullable(),
});
export type TaskProgress = z.infer<typeof taskProgress>;

export const quotaCoverage = z.object({
  group: z.string(),
  required: z.number(),
  /** Pairs with at least `required` judgments from this group. */
  pairsMet: z.number(),
  judgments: z.number(),
});

export const taskStats = taskProgress.omit({ taskId: true }).extend({
  raters: z.number(),
  goldJudgments: z.number(),
  pausedRaters: z.number(),
  quotaCoverage: z.array(quotaCoverage).nullable(),
  /** With adaptive redundancy: judgments not spent on complete pairs, against maxJudgments for every pair. */
  adaptive: z.object({ savedJudgments: z.number(), fixedMaximumJudgments: z.number() }).nullable(),
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
  criteria: z.array(criterion),
  rationale: rationaleSetting,
  judgedByMe: z.number(),
  available: z.number(),
});
export type RaterTask = z.infer<typeof raterTask>;
export const raterTasksResponse = z.object({ tasks: z.array(raterTask) });
