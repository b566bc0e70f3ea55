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

/** Deeper than any body the API defines; free-form JSON fields (attributes, tags) are flat in practice. */
export const MAX_NESTING = 32;

/**
 * What PostgreSQL cannot store or a schema cannot see: a NUL character (text and jsonb refuse it), an unpaired UTF-16
 * surrogate (not encodable as UTF-8; jsonb refuses its escape), or nesting deeper than MAX_NESTING (a stack risk for
 * everything that walks it later). Iterative, so a hostile depth cannot overflow the stack here. Returns the first
 * problem as an error detail, or undefined.
 */
export function unstorable(value: unknown): ErrorDetail | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    const where = path.join('.') || '(body)';
    if (typeof v === 'string') {
      if (!storableString(v)) return { path: where, message: 'contains a NUL character or invalid Unicode' };
    } else if (v !== null && typeof v === 'object') {
      if (path.length >= MAX_NESTING) return { path: where, message: `is nested more than ${MAX_NESTING} levels deep` };
      for (const [key, child] of Object.entries(v)) {
        if (!storableString(key)) return { path: where, message: 'has a field name with invalid characters' };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** A NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function storableString(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** Parses with a shared schema or throws a validation_failed AppError naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'The request'): z.output<S> {
  // Checked on the raw input first: a schema walks recursively, and a hostile depth must not reach it.
  const bad = unstorable(input);
  if (bad) throw errors.validation(`${what} is not valid: ${bad.path} ${bad.message}.`, [bad]);
  const result = schema.safeParse(input, { error: friendlyError });
  if (result.success) return result.data;
  const details = issuesToDetails(result.error);
  throw errors.validation(`${what} is not valid: ${summarise(details)}.`, details);
}
