import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createTaskBody } from '@anchor/shared';
import type { Services } from '../app.js';

export const DEMO_TASK_NAME = 'Demo: culture and values';

const demoInstructions = `Two assistants answered the same question. Read the question (or the whole conversation) and both answers.

- Choose the answer that serves **this asker** better: accurate, respectful of their culture and values, and actually helpful.
- A confident answer is not better for being confident. An answer that lectures the asker about their own customs is usually worse.
- Use the middle position only when the two are truly equal.
- Judge each answer in the language it is written in. Skip a pair you cannot read.`;

/** First start only: a task of demo pairs written for Anchor (see demo/README.md), active so a rater can start. */
export async function seedDemoTask(
  services: Services,
  adminId: string,
): Promise<{ taskId: string; pairs: number } | undefined> {
  const existing = (await services.tasks.list()).length;
  if (existing > 0) return undefined;
  const task = await services.tasks.create(
    createTaskBody.parse({ name: DEMO_TASK_NAME, instructions: demoInstructions }),
    adminId,
  );
  const pairs = JSON.parse(
    await readFile(new URL('../../src/demo/demo-pairs.json', import.meta.url), 'utf8'),
  ) as unknown[];
  const body = Readable.from(pairs.map((p) => JSON.stringify(p) + '\n'));
  const result = await services.pairs.import(await services.tasks.getRow(task.id), 'jsonl', body);
  await services.tasks.update(task.id, { status: 'active' });
  return { taskId: task.id, pairs: result.inserted };
}
