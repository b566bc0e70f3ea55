/**
 * Plain constants of the rating contract, in a module without zod: the web client imports these values, and a value
 * taken from a schema module would pull zod (~29 kB gzip) into every rater's download.
 */

export const judgmentFlags = [
  'harmful',
  'factually_wrong',
  'culturally_inappropriate',
  'off_language',
  'cannot_judge',
] as const;
export type JudgmentFlag = (typeof judgmentFlags)[number];

export const rationaleModes = ['off', 'optional', 'required'] as const;
export type RationaleMode = (typeof rationaleModes)[number];
/** What a task without a rationale setting asks for. */
export const defaultRationale: { mode: RationaleMode; minLength: number } = { mode: 'optional', minLength: 0 };

export const ageRanges = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
