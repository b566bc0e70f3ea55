import { z } from 'zod';
import { uuid } from './common.js';

/**
 * Defaults behind the quality figures; each threshold can be overridden per request.
 * - tooFastMs: a judgment made in under 3 s is "too fast" to have read two responses.
 * - straightLiningRun: 10 identical choices in a row flag straight-lining.
 * - bootstrapRounds / bootstrapSeed: leaderboard intervals from 200 resamples of a seeded generator, so the same data
 *   always gives the same intervals.
 */
export const QUALITY_DEFAULTS = {
  tooFastMs: 3000,
  straightLiningRun: 10,
  bootstrapRounds: 200,
  bootstrapSeed: 1,
  confidence: 0.95,
} as const;

const intParam = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be between ${min} and ${max}` })
    .max(max, { message: `must be between ${min} and ${max}` })
    .default(fallback);

/** How raters are grouped: `country`, `language` (a rater counts in each of their languages) or an attribute key. */
export const raterGroupBy = z.string().trim().min(1, { message: 'must name a rater attribute' }).max(100);

const thresholdParams = {
  tooFastMs: intParam(0, 3_600_000, QUALITY_DEFAULTS.tooFastMs),
  straightLiningRun: intParam(2, 100_000, QUALITY_DEFAULTS.straightLiningRun),
};

export const taskQualityQuery = z.object({ groupBy: raterGroupBy.default('country'), ...thresholdParams });
export type TaskQualityQuery = z.infer<typeof taskQualityQuery>;

export const leaderboardQuery = z.object({
  /** With `group`: one board over that group's judgments. Without: the overall board plus one board per group. */
  groupBy: raterGroupBy.optional(),
  /** A group's value (`KE` for groupBy=country, the default); narrows the board to that group's raters. */
  group: z.string().trim().min(1).max(200).optional(),
  rounds: intParam(0, 2000, QUALITY_DEFAULTS.bootstrapRounds),
  seed: intParam(0, 4_294_967_295, QUALITY_DEFAULTS.bootstrapSeed),
});
export type LeaderboardQuery = z.infer<typeof leaderboardQuery>;

export const raterStatsQuery = z.object({ taskId: uuid.optional(), ...thresholdParams });
export type RaterStatsQuery = z.infer<typeof raterStatsQuery>;

export const qualityThresholds = z.object({ tooFastMs: z.number(), straightLiningRun: z.number() });

export const leaderboardModel = z.object({
  model: z.string(),
  /** Bradley–Terry strength on the Elo scale (400 · log10, mean 1000 over the board's models). */
  rating: z.number(),
  ciLow: z.number(),
  ciHigh: z.number(),
  battles: z.number(),
  wins: z.number(),
  losses: z.number(),
  ties: z.number(),
});
export type LeaderboardModel = z.infer<typeof leaderboardModel>;

const board = z.object({
  models: z.array(leaderboardModel),
  /** Judgments behind the board. */
  battles: z.number(),
  /** True when the exact fit does not exist and every model got one virtual tie against a mean-strength model. */
  regularized: z.boolean(),
});

export const leaderboardResponse = board.extend({
  bootstrap: z.object({ rounds: z.number(), seed: z.number(), confidence: z.number() }),
  groupBy: z.string().nullable(),
  group: z.string().nullable(),
  /** With groupBy and no group: one board per group (null: raters without a value). */
  groups: z.array(board.extend({ group: z.string().nullable() })).optional(),
});
export type LeaderboardResponse = z.infer<typeof leaderboardResponse>;

/** One rater's figures; null where a figure is undefined (no judgments of that kind). */
export const raterFigures = z.object({
  judgments: z.number(),
  goldJudgments: z.number(),
  goldAccuracy: z.number().nullable(),
  timedJudgments: z.number(),
  medianTimeMs: z.number().nullable(),
  nonTieJudgments: z.number(),
  /** Non-tie judgments that preferred the response shown on the left. */
  leftJudgments: z.number(),
  leftShare: z.number().nullable(),
  /** Leave-one-out: agreement with the majority sign of the other raters of the same pairs. */
  agreementWithMajority: z.number().nullable(),
  /** Pairs behind agreementWithMajority. */
  agreementPairs: z.number(),
  longestRun: z.number(),
  straightLining: z.boolean(),
  tooFastShare: z.number().nullable(),
});
export type RaterFiguresResponse = z.infer<typeof raterFigures>;

export const raterStatsResponse = raterFigures.extend({
  raterId: uuid,
  taskId: uuid.nullable(),
  thresholds: qualityThresholds,
});
export type RaterStatsResponse = z.infer<typeof raterStatsResponse>;

export const DAWID_SKENE_CLASSES = ['A', 'tie', 'B'] as const;

export const taskQualityRater = raterFigures.extend({
  raterId: uuid,
  displayName: z.string(),
  country: z.string().nullable(),
  /** Dawid–Skene accuracy Σ_k π_k θ_kk over the sign; null without non-gold judgments. */
  dawidSkeneAccuracy: z.number().nullable(),
  /** Dawid–Skene confusion matrix θ[true][answered] over DAWID_SKENE_CLASSES. */
  dawidSkeneConfusion: z.array(z.array(z.number())).nullable(),
});
export type TaskQualityRater = z.infer<typeof taskQualityRater>;

export const taskQualityResponse = z.object({
  taskId: uuid,
  agreement: z.object({
    alphaOrdinal: z.number().nullable(),
    alphaNominal: z.number().nullable(),
    groupBy: z.string(),
    byGroup: z.array(
      z.object({
        group: z.string().nullable(),
        alphaOrdinal: z.number().nullable(),
        alphaNominal: z.number().nullable(),
        judgments: z.number(),
        raters: z.number(),
      }),
    ),
  }),
  positionBias: z.object({
    leftShare: z.number().nullable(),
    byRater: z.array(z.object({ raterId: uuid, leftShare: z.number().nullable(), nonTieJudgments: z.number() })),
  }),
  dawidSkene: z.object({
    classes: z.array(z.string()),
    priors: z.array(z.number()),
    pairs: z.number(),
    judgments: z.number(),
    iterations: z.number(),
    converged: z.boolean(),
  }),
  raters: z.array(taskQualityRater),
  thresholds: qualityThresholds,
});
export type TaskQualityResponse = z.infer<typeof taskQualityResponse>;
