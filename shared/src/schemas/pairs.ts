import { z } from 'zod';
import { uuid } from './common.js';

export const messageRoles = ['system', 'user', 'assistant'] as const;
export const message = z.object({
  role: z.enum(messageRoles),
  content: z.string().max(200_000, { message: 'must be at most 200,000 characters' }),
});
export type Message = z.infer<typeof message>;

const text = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(200_000, { message: 'must be at most 200,000 characters' });

/** A string prompt, or a conversation that ends with the turn the responses answer. */
export const prompt = z.union([text, z.array(message).min(1, { message: 'must hold at least one message' }).max(500)]);
export type Prompt = z.infer<typeof prompt>;

export const response = z.object({
  text,
  model: z.string().max(200).optional(),
});

export const gold = z.enum(['A', 'B', 'tie']);

/** One line of a JSON Lines import (the CSV columns map onto the same shape). */
export const pairInput = z.object({
  externalId: z.string().min(1).max(200).optional(),
  prompt,
  responseA: response,
  responseB: response,
  tags: z.record(z.string().max(100), z.string().max(1000)).optional(),
  gold: gold.optional(),
});
export type PairInput = z.infer<typeof pairInput>;

export const pair = z.object({
  id: uuid,
  taskId: uuid,
  externalId: z.string(),
  prompt,
  responseA: response,
  responseB: response,
  tags: z.record(z.string(), z.string()),
  gold: gold.nullable(),
  judgments: z.number(),
  createdAt: z.string(),
});
export type Pair = z.infer<typeof pair>;

export const importError = z.object({ line: z.number(), message: z.string() });
export const importResult = z.object({
  inserted: z.number(),
  skipped: z.number(),
  errors: z.array(importError),
});
export type ImportResult = z.infer<typeof importResult>;

export const listPairsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
export const pairsPage = z.object({ pairs: z.array(pair), nextCursor: z.string().nullable() });
export type PairsPage = z.infer<typeof pairsPage>;
