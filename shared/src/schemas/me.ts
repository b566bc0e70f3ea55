import { z } from 'zod';
import { ageRanges } from '../rating.js';
import { countryCode, languageTag, uuid } from './common.js';

/**
 * Rater self-service (extension): the rater's own profile, consent, history and figures. Never another rater's.
 */

/** Optional demographics, stored only while the rater consents to the current consent text. */
export const demographics = z
  .object({
    ageRange: z.enum(ageRanges).optional(),
    gender: z.string().trim().max(100).optional(),
    ethnicity: z.string().trim().max(200).optional(),
    religion: z.string().trim().max(100).optional(),
    education: z.string().trim().max(200).optional(),
  })
  .strict();
export type Demographics = z.infer<typeof demographics>;

/** The consent text a rater agrees to before giving demographics; a new wording gets a new version. */
export const demographicsConsent = {
  version: '2026-11-25',
  text:
    'If you choose to answer the optional questions below, Anchor stores your answers with your account so that ' +
    'the people who commissioned this work can see how views differ between groups of raters. Datasets exported ' +
    'from Anchor may contain these answers next to your pseudonymous rater id, never with your name or email. ' +
    'Answering is voluntary and does not change which tasks you get or how you are paid. You can withdraw at any ' +
    'time on this page: your answers are then deleted from your profile and left out of later exports.',
} as const;

export const consentRecord = z.object({ version: z.string(), givenAt: z.string() });
export type ConsentRecord = z.infer<typeof consentRecord>;

export const raterProfile = z.object({
  id: uuid,
  email: z.string(),
  displayName: z.string(),
  country: z.string().nullable(),
  languages: z.array(z.string()),
  /** Null without a live consent. */
  demographics: demographics.nullable(),
  consent: consentRecord.nullable(),
});
export type RaterProfile = z.infer<typeof raterProfile>;

export const profileResponse = z.object({
  profile: raterProfile,
  consentText: z.object({ version: z.string(), text: z.string() }),
});
export type ProfileResponse = z.infer<typeof profileResponse>;

export const patchProfileBody = z
  .object({
    country: countryCode.nullable(),
    languages: z.array(languageTag).max(20),
    demographics: demographics.nullable(),
  })
  .partial()
  .strict();
export type PatchProfileBody = z.input<typeof patchProfileBody>;

export const giveConsentBody = z.object({ version: z.string().max(50) }).strict();

export const myJudgmentsQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, { message: 'must be the nextCursor of a previous page' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

/** One of the caller's own judgments, as they saw it (left/right, not A/B). */
export const myJudgment = z.object({
  id: uuid,
  taskId: uuid,
  taskName: z.string(),
  /** The prompt's text (a conversation's last user turn), shortened. */
  promptExcerpt: z.string(),
  choice: z.number(),
  scalePoints: z.number(),
  rationale: z.string().nullable(),
  flags: z.array(z.string()),
  timeMs: z.number().nullable(),
  createdAt: z.string(),
});
export type MyJudgment = z.infer<typeof myJudgment>;
export const myJudgmentsResponse = z.object({ judgments: z.array(myJudgment), nextCursor: z.string().nullable() });
export type MyJudgmentsResponse = z.infer<typeof myJudgmentsResponse>;

export const myStatsQuery = z.object({ taskId: uuid.optional() });
export const myStats = z.object({
  judgments: z.number(),
  /** Since midnight UTC. */
  judgedToday: z.number(),
  /** Median of the judgments' timeMs (mean of the middle two for an even count); null without any. */
  medianTimeMs: z.number().nullable(),
  skips: z.number(),
});
export type MyStats = z.infer<typeof myStats>;
export const myStatsResponse = z.object({ stats: myStats });
