import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment } from '@anchor/shared';
import { emitAck, startTestApp, type TestApp } from './harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function nextAssignment(socket: Awaited<ReturnType<TestApp['socket']>>, taskId: string): Promise<Assignment> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in result)) throw new Error(`expected an assignment, got ${JSON.stringify(result)}`);
  return result.assignment;
}

describe('the rater loop over socket.io', () => {
  it('leases, submits, and moves on until the rater has judged every pair once', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2, scale: { points: 5 } });
    await app.importPairs(task.id, app.demoPairs(3));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });

    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const assignment = await nextAssignment(socket, task.id);
      expect(assignment.scale).toEqual({ points: 5 });
      expect(JSON.stringify(assignment)).not.toContain('model');
      const ack = await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: -2, timeMs: 1200 });
      expect(ack).toMatchObject({ ok: true });
      seen.add(assignment.id);
    }
    expect(seen.size).toBe(3);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({ done: true, reason: 'nothing_left_for_you' });
  });

  it('stores the preference relative to A whichever side A was shown on', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'side' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const assignment = await nextAssignment(socket, task.id);
    const ack = await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: -1 });
    expect(ack).toMatchObject({ ok: true });
    const row = await app.db.selectFrom('judgments').selectAll().where('task_id', '=', task.id).executeTakeFirstOrThrow();
    const aWasLeft = assignment.left.text.startsWith('Answer A');
    expect(row.shown_a_first).toBe(aWasLeft);
    expect(row.preference).toBe(aWasLeft ? -1 : 1);
  });

  it('answers the original judgment for a repeated key and stores nothing new', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'idem' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const assignment = await nextAssignment(socket, task.id);
    const key = randomUUID();
    const [a, b] = await Promise.all([
      emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key, choice: 1 }),
      emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key, choice: -2 }),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual(a);
    const again = await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key, choice: 0 });
    expect(again).toEqual(a);
    const count = await app.db.selectFrom('judgments').where('task_id', '=', task.id).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    const other = await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 });
    expect(other).toMatchObject({ ok: false, error: { code: 'already_judged' } });
  });

  it('gives a held lease back on reconnect instead of a new pair', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(5, { prefix: 'resume' }));
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const first = await app.socket({ cookie });
    const held = await nextAssignment(first, task.id);
    first.disconnect();
    const second = await app.socket({ cookie });
    expect((await nextAssignment(second, task.id)).id).toBe(held.id);
  });
});
