import { z } from 'zod';
import { judgmentFlags } from '../rating.js';
import { uuid } from './common.js';
import { prompt } from './pairs.js';
import { criterion, rationaleSetting, scale } from './tasks.js';

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
  /** (extension) The texts' language, from the pair's `language` tag, for `lang` attributes; absent when unknown. */
  language: z.string().optional(),
  /** (extension) Per-criterion ratings the task asks for (empty: none). */
  criteria: z.array(criterion).optional(),
  /** (extension) Whether a rationale is off, optional or required, and its minimum length. */
  rationale: rationaleSetting.optional(),
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

const MAX_MS = 7 * 24 * 3600 * 1000;
const count = z.number().int({ message: 'must be a whole number' }).min(0).max(1_000_000);

/**
 * (extension) Signals that a person did this, measured by the rater's browser and stored with the judgment. Shown
 * to admins; never used to reject a judgment on their own.
 */
export const judgmentSignals = z.object({
  /** Time the pair was on screen while the page was visible and focused. */
  activeMs: z.number().int().min(0).max(MAX_MS).optional(),
  /** Times the page lost focus or was hidden while the pair was shown. */
  focusLosses: count.optional(),
  /** Time from the pair appearing to the first scale choice. */
  firstChoiceMs: z.number().int().min(0).max(MAX_MS).optional(),
  /** Paste events into the rationale. */
  pasteCount: count.optional(),
  /** Keys pressed in the rationale. */
  keystrokeCount: count.optional(),
  /** Width of the browser's viewport in CSS pixels. */
  screenWidth: z.number().int().min(0).max(100_000).optional(),
  uiVersion: z.string().max(64).optional(),
});
export type JudgmentSignals = z.infer<typeof judgmentSignals>;

/** (extension) Ask for the next assignment in the same acknowledgement: `true` for the same task. */
export const nextAfter = z.union([z.literal(true), z.object({ taskId: uuid.optional() })]).optional();

export const submitJudgmentRequest = z.object({
  assignmentId: uuid,
  key: uuid,
  choice: z.number().int({ message: 'must be a whole number' }).min(-4).max(4),
  rationale: z.string().max(10_000, { message: 'must be at most 10,000 characters' }).optional(),
  flags: z.array(z.enum(judgmentFlags)).max(judgmentFlags.length).optional(),
  timeMs: z.number().int().min(0).max(MAX_MS).optional(),
  /** (extension) Per-criterion ratings by criterion id, each 1..that criterion's points. */
  criteria: z.record(z.string().max(40), z.number().int().min(1).max(10)).optional(),
  signals: judgmentSignals.optional(),
  next: nextAfter,
});
export type SubmitJudgmentRequest = z.infer<typeof submitJudgmentRequest>;

export const skipAssignmentRequest = z.object({
  assignmentId: uuid,
  reason: z.string().max(1000).optional(),
  next: nextAfter,
});
export type SkipAssignmentRequest = z.infer<typeof skipAssignmentRequest>;

export const taskRaterParams = z.object({ id: uuid, raterId: uuid });
export const patchTaskRaterBody = z.object({ status: z.enum(['active', 'paused']) });
