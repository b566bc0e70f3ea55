import { z } from 'zod';
import { EXPORT_FORMATS } from '../constants.js';
import { countryCode } from './common.js';

export const exportFormat = z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` });

/**
 * How a pair's judgments become one verdict. `mean`: the sign of the mean preference. `majority`: the side with more
 * votes (tie votes count for neither side; equal votes make a tie). `none`: no verdict, one row per non-tie judgment.
 */
export const EXPORT_AGGREGATES = ['mean', 'majority', 'none'] as const;
export type ExportAggregate = (typeof EXPORT_AGGREGATES)[number];

/** Query keys of the form `tag.KEY=VALUE` narrow an export to pairs whose tags hold KEY = VALUE. */
export const EXPORT_TAG_PREFIX = 'tag.';

const flag = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

/** No NUL: PostgreSQL text cannot hold it (and it has no business in a tag). */
const tagText = (max: number) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL' });

/** An ISO-8601 date (midnight UTC) or date-time with an offset, normalised to `toISOString()`. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    message: 'must be an ISO-8601 date or date-time such as 2026-11-25 or 2026-11-25T12:00:00Z',
  })
  .transform((s) => new Date(s).toISOString());

/** A number in 0..1 written in the query string ("0.75"). */
const share = z
  .string()
  .trim()
  .regex(/^(\d+(\.\d*)?|\.\d+)$/, { message: 'must be a number between 0 and 1' })
  .transform(Number)
  .pipe(z.number().min(0, { message: 'must be between 0 and 1' }).max(1, { message: 'must be between 0 and 1' }));

/** The narrowing of an export, as it is applied and as the manifest reports it (absent filters are null). */
export const exportFilters = z.object({
  aggregate: z.enum(EXPORT_AGGREGATES),
  minAgreement: z.number(),
  includeGold: z.boolean(),
  tags: z.record(z.string(), z.string()),
  country: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type ExportFilters = z.infer<typeof exportFilters>;

/**
 * Moves `tag.KEY` query keys into `tags: {KEY: VALUE}`. Express 5's default ("simple") query parser keeps dotted keys
 * flat, so `?tag.topic=x` arrives as `{"tag.topic": "x"}`. A literal `tags` key is left alone so that it fails below.
 */
function gatherTags(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const rest: Record<string, unknown> = {};
  const tags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(EXPORT_TAG_PREFIX)) tags[key.slice(EXPORT_TAG_PREFIX.length)] = value;
    else rest[key] = value;
  }
  if (!('tags' in rest)) rest.tags = tags;
  return rest;
}

/**
 * `?format=F&aggregate=&minAgreement=&includeGold=&tag.KEY=VALUE&country=&from=&to=`. Unknown keys are refused: a
 * misspelt filter must not silently widen a dataset.
 */
export const exportQuery = z.preprocess(
  gatherTags,
  z
    .strictObject({
      format: exportFormat,
      aggregate: z
        .enum(EXPORT_AGGREGATES, { message: `must be one of ${EXPORT_AGGREGATES.join(', ')}` })
        .default('mean'),
      minAgreement: share.optional(),
      includeGold: flag.optional(),
      tags: z.record(tagText(100).min(1, { message: 'a tag filter needs a key: tag.KEY=VALUE' }), tagText(1000)),
      country: countryCode.optional(),
      /** Judgments created at or after this instant. */
      from: instant.optional(),
      /** Judgments created before this instant. */
      to: instant.optional(),
    })
    .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['to'] })
    .transform(({ format, aggregate, minAgreement, includeGold, tags, country, from, to }) => ({
      format,
      filters: {
        aggregate,
        minAgreement: minAgreement ?? 0,
        includeGold: includeGold ?? false,
        tags,
        country: country ?? null,
        from: from ?? null,
        to: to ?? null,
      } satisfies ExportFilters,
    })),
);
export type ExportQuery = z.output<typeof exportQuery>;

const counts = z.record(z.string(), z.number());

/** What an export holds, and the digest of the exact bytes that `GET /api/tasks/:id/export` serves for it. */
export const exportManifest = z.object({
  format: exportFormat,
  /** The narrowing applied, defaults included. */
  filters: exportFilters,
  counts: z.object({
    /** Lines (JSON Lines), data rows (CSV, header excluded) or Parquet rows. */
    rows: z.number(),
    /** Judgments behind those rows. */
    judgments: z.number(),
    /** Distinct pairs behind those rows. */
    pairs: z.number(),
  }),
  /**
   * What was left out and why. In judgments: `gold` (attention-check pairs, unless includeGold), `filtered` (outside
   * the tag, country or date filters), `pausedRaters` (raters paused in the task), `noModels` (battles: a pair without
   * both model names). In pairs: `unjudged` (no judgment left after those), `belowAgreement` (agreement under
   * minAgreement). `ties`: pairs whose verdict is a tie (dpo, reward, kto, openai), or tie judgments with
   * `aggregate=none`; the judgment-level formats keep ties.
   */
  dropped: counts,
  /** The raters behind the rows, by their current profile (a rater with several languages counts in each). */
  raters: z.object({ count: z.number(), byCountry: counts, byLanguage: counts }),
  /** Krippendorff's α over the judgments behind the rows; null when undefined. */
  agreement: z.object({ alphaOrdinal: z.number().nullable(), alphaNominal: z.number().nullable() }),
  /** Share of the non-tie judgments behind the rows that preferred the response shown on the left. */
  positionBias: z.object({ leftShare: z.number().nullable() }),
  /** Lowercase hex SHA-256 of the export's bytes. */
  sha256: z.string(),
  bytes: z.number(),
  /** The task's tamper-evident judgment chain when the export was taken: its head hash and length. */
  chain: z.object({ head: z.string(), judgments: z.number() }),
  /** A README.md in Hugging Face's dataset-card format describing this export. */
  datasetCard: z.string(),
});
export type ExportManifest = z.infer<typeof exportManifest>;
export const exportManifestResponse = z.object({ manifest: exportManifest });
