import type { Pair, Prompt } from '@anchor/shared';
import type { Selectable } from 'kysely';
import type { Pairs } from '../../db/schema.js';

/** Admin view of a pair, model names included (raters never get this shape). */
export function presentPair(row: Selectable<Pairs>): Pair {
  return {
    id: row.id,
    taskId: row.task_id,
    externalId: row.external_id,
    prompt: row.prompt as Prompt,
    responseA: { text: row.response_a, ...(row.model_a ? { model: row.model_a } : {}) },
    responseB: { text: row.response_b, ...(row.model_b ? { model: row.model_b } : {}) },
    tags: row.tags as Record<string, string>,
    gold: row.gold as Pair['gold'],
    judgments: row.judgment_count,
    createdAt: row.created_at.toISOString(),
  };
}
