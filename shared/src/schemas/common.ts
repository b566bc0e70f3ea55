import { z } from 'zod';

export const uuid = z.uuid({ message: 'must be a UUID' });
export const isoDate = z.string();
/** ISO 3166-1 alpha-2, stored upper-case. */
export const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, { message: 'must be a two-letter country code such as KE' })
  .transform((c) => c.toUpperCase());
/** BCP 47 language tag such as `en`, `ar` or `pt-BR`. */
export const languageTag = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a language tag such as en or pt-BR' });
export const attributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export const idParams = z.object({ id: uuid });
