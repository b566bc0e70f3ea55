import { z } from 'zod';
import { attributes, countryCode, isoDate, languageTag, uuid } from './common.js';

export const roles = ['admin', 'rater'] as const;
export const userStatuses = ['active', 'disabled'] as const;
export const role = z.enum(roles);
export const userStatus = z.enum(userStatuses);

export const user = z.object({
  id: uuid,
  email: z.string(),
  displayName: z.string(),
  role,
  status: userStatus,
  country: z.string().optional(),
  languages: z.array(z.string()).optional(),
  attributes: attributes.optional(),
  createdAt: isoDate,
});
export type User = z.infer<typeof user>;
export type Role = z.infer<typeof role>;

const email = z
  .email({ message: 'must be an email address' })
  .max(320)
  .transform((e) => e.toLowerCase());
const password = z
  .string()
  .min(8, { message: 'must be at least 8 characters' })
  .max(200, { message: 'must be at most 200 characters' });
const displayName = z.string().trim().min(1, { message: 'must not be empty' }).max(200);

export const loginBody = z.object({
  email: z
    .string()
    .max(320)
    .transform((e) => e.toLowerCase()),
  password: z.string().max(200),
});
export type LoginBody = z.infer<typeof loginBody>;

export const createUserBody = z.object({
  email,
  displayName,
  role,
  password: password.optional(),
  country: countryCode.optional(),
  languages: z.array(languageTag).max(20).optional(),
  attributes: attributes.optional(),
});
export type CreateUserBody = z.infer<typeof createUserBody>;

export const patchUserBody = z
  .object({
    displayName,
    role,
    status: userStatus,
    password,
    country: countryCode.nullable(),
    languages: z.array(languageTag).max(20),
    attributes,
  })
  .partial();
export type PatchUserBody = z.infer<typeof patchUserBody>;

export const userResponse = z.object({ user });
export const usersResponse = z.object({ users: z.array(user) });

export const createTokenBody = z.object({ name: z.string().trim().min(1, { message: 'must not be empty' }).max(100) });
export const apiToken = z.object({ id: uuid, name: z.string(), createdAt: isoDate });
export type ApiToken = z.infer<typeof apiToken>;
export const createTokenResponse = z.object({ token: apiToken, secret: z.string() });
export type CreateTokenResponse = z.infer<typeof createTokenResponse>;
