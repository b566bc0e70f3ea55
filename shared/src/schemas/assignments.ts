import { z } from 'zod';
import { uuid } from './common.js';
import { prompt } from './pairs.js';
import { scale } from './tasks.js';

/** What a rater sees: sides, never A/B labels or model names. */
export const assignment = z.object({
  id: uuid,
  taskId: uuid,
  instructions: z.string(),
  prompt,
  left: z.object({ text: z.string() }),
  right: z.object({ text: z.string() }),
  scale,
  expiresAt: z.string(),
});
export type Assignment = z.infer<typeof assignment>;

export const nextAssignmentRequest = z.object({ taskId: uuid.optional() }).default({});
export type NextAssignmentRequest = z.input<typeof nextAssignmentRequest>;

export const doneReasons = [
  'no_tasks',
  'task_complete',
  'nothing_left_for_you',
  'task_not_active',
  'not_eligible',
  'paused',
] as const;
export type DoneReason = (typeof doneReasons)[number];

export const judgmentFlags = [
  'harmful',
  'factually_wrong',
  'culturally_inappropriate',
  'off_language',
  'cannot_judge',
] as const;

export const submitJudgmentRequest = z.object({
  assignmentId: uuid,
  key: uuid,
  choice: z.number().int({ message: 'must be a whole number' }).min(-4).max(4),
  rationale: z.string().max(10_000, { message: 'must be at most 10,000 characters' }).optional(),
  flags: z.array(z.enum(judgmentFlags)).max(judgmentFlags.length).optional(),
  timeMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600 * 1000)
    .optional(),
});
export type SubmitJudgmentRequest = z.infer<typeof submitJudgmentRequest>;

export const skipAssignmentRequest = z.object({
  assignmentId: uuid,
  reason: z.string().max(1000).optional(),
});
export type SkipAssignmentRequest = z.infer<typeof skipAssignmentRequest>;

export const taskRaterParams = z.object({ id: uuid, raterId: uuid });
export const patchTaskRaterBody = z.object({ status: z.enum(['active', 'paused']) });
