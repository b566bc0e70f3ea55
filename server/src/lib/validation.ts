import type { z } from 'zod';
import type { ErrorDetail } from '@anchor/shared';
import { errors } from '../errors.js';

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * Messages a person can act on, for the issues our schemas leave to zod's defaults ("Invalid input: expected object,
 * received undefined" becomes "is required"). Messages a schema states itself are kept.
 */
export const friendlyError: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'array') return 'must be a list';
      return `must be ${article(issue.expected)}`;
    case 'invalid_union':
      return 'must be a string or a list of {role, content} messages';
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${String(issue.minimum)} characters` : undefined;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : undefined;
    default:
      return undefined;
  }
};

export function issuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** One sentence naming the first few problems, e.g. "responseA is required; scale.points must be between 2 and 9". */
export function summarise(details: ErrorDetail[]): string {
  return details
    .slice(0, 3)
    .map((d) => `${d.path} ${d.message}`)
    .join('; ');
}

/** Parses with a shared schema or throws a validation_failed AppError naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'The request'): z.output<S> {
  const result = schema.safeParse(input, { error: friendlyError });
  if (result.success) return result.data;
  const details = issuesToDetails(result.error);
  throw errors.validation(`${what} is not valid: ${summarise(details)}.`, details);
}
