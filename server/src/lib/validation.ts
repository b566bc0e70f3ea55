import type { z } from 'zod';
import type { ErrorDetail } from '@anchor/shared';
import { errors } from '../errors.js';

export function issuesToDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses with a shared schema or throws a validation_failed AppError naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'The request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error);
  const summary = details
    .slice(0, 3)
    .map((d) => `${d.path} ${d.message}`)
    .join('; ');
  throw errors.validation(`${what} is not valid: ${summary}.`, details);
}
