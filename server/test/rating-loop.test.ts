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
      const ack = await emitAck(socket, 'judgment:submit', {
        assignmentId: assignment.id,
        key: randomUUID(),
        choice: -2,
        timeMs: 1200,
      });
      expect(ack).toMatchObject({ ok: true });
      seen.add(assignment.id);
    }
    expect(seen.size).toBe(3);
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });
  });

  it('stores the preference relative to A whichever side A was shown on', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'side' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const assignment = await nextAssignment(socket, task.id);
    const ack = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice: -1,
    });
    expect(ack).toMatchObject({ ok: true });
    const row = await app.db
      .selectFrom('judgments')
      .selectAll()
      .where('task_id', '=', task.id)
      .executeTakeFirstOrThrow();
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
    const count = await app.db
      .selectFrom('judgments')
      .where('task_id', '=', task.id)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
    const other = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice: 1,
    });
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

  it('sends admins task:progress within a second of a judgment', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'live' }));
    const admin = await app.createUser({ role: 'admin' });
    const adminSocket = await app.socket({ cookie: await app.login(admin.email, admin.password) });
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const assignment = await nextAssignment(socket, task.id);

    const progress = new Promise<{ judgments: number; completePairs: number; at: number }>((resolve) => {
      adminSocket.on('task:progress', (p) => {
        if (p.taskId === task.id && p.judgments === 1) resolve({ ...p, at: Date.now() });
      });
    });
    const submittedAt = Date.now();
    await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 2 });
    const seen = await progress;
    expect(seen).toMatchObject({ judgments: 1, completePairs: 1 });
    expect(seen.at - submittedAt).toBeLessThan(1000);
  });

  it('expires a lease: the rater is told, a late submit is refused, and the pair goes back to the pool', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'expiry' }));
    const [first, second] = [await app.createUser(), await app.createUser()];
    const s1 = await app.socket({ cookie: await app.login(first.email, first.password) });
    const s2 = await app.socket({ cookie: await app.login(second.email, second.password) });
    const held = await nextAssignment(s1, task.id);
    expect(await emitAck(s2, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });

    const expired = new Promise<string>((resolve) =>
      s1.on('assignment:expired', ({ assignmentId }) => resolve(assignmentId)),
    );
    // Time travel instead of waiting out a 30-second lease: the sweeper reclaims it within a second.
    await app.db
      .updateTable('assignments')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', held.id)
      .execute();
    expect(await expired).toBe(held.id);

    const late = await emitAck(s1, 'judgment:submit', { assignmentId: held.id, key: randomUUID(), choice: 1 });
    expect(late).toMatchObject({
      ok: false,
      error: { code: 'lease_expired', message: expect.stringMatching(/ran out/) },
    });
    const other = await nextAssignment(s2, task.id);
    expect(new Set([other.left.text, other.right.text])).toEqual(new Set([held.left.text, held.right.text])); // the same pair
    expect(
      await emitAck(s2, 'judgment:submit', { assignmentId: other.id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({ ok: true });
  });

  it('gives a new assignment to a rater asking the moment their lease ran out, before any sweep reclaimed it', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'unswept' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const expired = new Promise<string>((resolve) =>
      socket.on('assignment:expired', ({ assignmentId }) => resolve(assignmentId)),
    );
    const held = await nextAssignment(socket, task.id);
    await app.db
      .updateTable('assignments')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', held.id)
      .execute();
    // Straight away: the sweep runs once a second, so the expired lease is almost always still marked leased here.
    const next = await nextAssignment(socket, task.id);
    expect(next.id).not.toBe(held.id);
    expect(await expired).toBe(held.id);
  });

  it('skips an assignment, frees its slot and never offers that pair to the same rater again', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'skip' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const assignment = await nextAssignment(socket, task.id);
    expect(
      await emitAck(socket, 'assignment:skip', { assignmentId: assignment.id, reason: 'I cannot read Hindi' }),
    ).toEqual({ ok: true });
    expect(await emitAck(socket, 'assignment:skip', { assignmentId: assignment.id })).toEqual({ ok: true });
    expect(await emitAck(socket, 'assignment:next', { taskId: task.id })).toEqual({
      done: true,
      reason: 'nothing_left_for_you',
    });
    const submit = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice: 1,
    });
    expect(submit).toMatchObject({ ok: false, error: { code: 'already_judged' } });
    const row = await app.db
      .selectFrom('assignments')
      .select(['status', 'skip_reason'])
      .where('id', '=', assignment.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'skipped', skip_reason: 'I cannot read Hindi' });
  });

  it('refuses bad payloads, foreign assignments and choices off the scale with clear codes', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2, scale: { points: 4 } });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'bad' }));
    const [owner, intruder] = [await app.createUser(), await app.createUser()];
    const s1 = await app.socket({ cookie: await app.login(owner.email, owner.password) });
    const s2 = await app.socket({ cookie: await app.login(intruder.email, intruder.password) });
    const assignment = await nextAssignment(s1, task.id);

    const malformed = await emitAck(s1, 'judgment:submit', { assignmentId: 'nope', key: 'nope', choice: 1.5 });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const foreign = await emitAck(s2, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const tie = await emitAck(s1, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 0 });
    expect(tie).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', message: expect.stringMatching(/-2, -1, 1, 2/) },
    });
    const unknownTask = await emitAck(s1, 'assignment:next', { taskId: randomUUID() });
    expect(unknownTask).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(
      await emitAck(s1, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: -2 }),
    ).toMatchObject({ ok: true });
  });

  it('offers only active tasks the rater is eligible for', async () => {
    const open = await app.createTask({ status: 'active', name: 'Open' });
    const kenyaOnly = await app.createTask({ status: 'active', name: 'Kenya', eligibility: { countries: ['KE'] } });
    const draft = await app.createTask({ name: 'Draft' });
    await app.importPairs(kenyaOnly.id, app.demoPairs(1, { prefix: 'ke' }));
    const brazil = await app.createUser({ country: 'BR', languages: ['pt'] });
    const cookie = await app.login(brazil.email, brazil.password);
    const mine = await app.api<{ tasks: Array<{ id: string }> }>('GET', '/api/me/tasks', { cookie });
    const ids = mine.body.tasks.map((t) => t.id);
    expect(ids).toContain(open.id);
    expect(ids).not.toContain(kenyaOnly.id);
    expect(ids).not.toContain(draft.id);
    const socket = await app.socket({ cookie });
    expect(await emitAck(socket, 'assignment:next', { taskId: kenyaOnly.id })).toEqual({
      done: true,
      reason: 'not_eligible',
    });
    expect(await emitAck(socket, 'assignment:next', { taskId: draft.id })).toEqual({
      done: true,
      reason: 'task_not_active',
    });
  });
});

describe('language of the texts', () => {
  it('carries the pair’s language tag so clients can set lang, and drops a malformed one', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    const [arabic, bogus] = app.demoPairs(2, { prefix: 'lang' });
    await app.importPairs(task.id, [
      { ...arabic!, tags: { language: 'ar' } },
      { ...bogus!, tags: { language: '"><script>' } },
    ]);
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const languages = [];
    for (let i = 0; i < 2; i++) {
      const result = await emitAck(socket, 'assignment:next', { taskId: task.id });
      if (!('assignment' in result)) throw new Error('expected an assignment');
      languages.push(result.assignment.language);
      await emitAck(socket, 'judgment:submit', { assignmentId: result.assignment.id, key: randomUUID(), choice: 1 });
    }
    expect(languages.sort()).toEqual(['ar', undefined]);
  });
});
