import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demographicsConsent,
  type Assignment,
  type MyJudgmentsResponse,
  type MyStats,
  type ProfileResponse,
} from '@anchor/shared';
import { emitAck, startTestApp, type TestApp, type TestSocket } from './harness.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function rater(options: { country?: string; languages?: string[] } = {}) {
  const user = await app.createUser(options);
  const cookie = await app.login(user.email, user.password);
  return { ...user, cookie, socket: await app.socket({ cookie }) };
}

async function nextAssignment(socket: TestSocket, taskId: string): Promise<Assignment> {
  const result = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in result)) throw new Error(`expected an assignment, got ${JSON.stringify(result)}`);
  return result.assignment;
}

describe('submit-and-next', () => {
  it('answers the next assignment in the same acknowledgement, then done with its reason', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1, scale: { points: 5 } });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'sn' }));
    const { socket } = await rater();
    const first = await nextAssignment(socket, task.id);

    const ack1 = await emitAck(socket, 'judgment:submit', {
      assignmentId: first.id,
      key: randomUUID(),
      choice: -2,
      next: true,
    });
    if (!('ok' in ack1) || !ack1.ok) throw new Error(JSON.stringify(ack1));
    expect(ack1.judgmentId).toEqual(expect.any(String));
    if (!ack1.next || !('assignment' in ack1.next))
      throw new Error(`expected a next assignment: ${JSON.stringify(ack1)}`);
    const second = ack1.next.assignment;
    expect(second.id).not.toBe(first.id);
    expect(second.taskId).toBe(task.id);
    // It is the rater's live lease: asking again answers the same one.
    expect((await nextAssignment(socket, task.id)).id).toBe(second.id);

    // Skip-and-next works the same way; here nothing is left.
    const ack2 = await emitAck(socket, 'assignment:skip', { assignmentId: second.id, reason: 'language', next: true });
    expect(ack2).toEqual({ ok: true, next: { done: true, reason: 'nothing_left_for_you' } });

    // Without `next`, the acknowledgement is exactly the contract's.
    const task2 = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task2.id, app.demoPairs(1, { prefix: 'sn2' }));
    const a = await nextAssignment(socket, task2.id);
    const ack3 = await emitAck(socket, 'judgment:submit', { assignmentId: a.id, key: randomUUID(), choice: 1 });
    expect(Object.keys(ack3).sort()).toEqual(['judgmentId', 'ok']);
  });

  it('a retry of the same key answers the same judgment and the next lease, and stores one judgment', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(3, { prefix: 'rk' }));
    const { socket } = await rater();
    const first = await nextAssignment(socket, task.id);
    const payload = { assignmentId: first.id, key: randomUUID(), choice: 1, next: true as const };
    const [a, b] = await Promise.all([
      emitAck(socket, 'judgment:submit', payload),
      emitAck(socket, 'judgment:submit', payload),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: true });
    if (!('judgmentId' in a) || !('judgmentId' in b)) throw new Error('expected judgments');
    expect(a.judgmentId).toBe(b.judgmentId);
    const nextIds = [a, b].map((r) => (r.next && 'assignment' in r.next ? r.next.assignment.id : null));
    expect(nextIds[0]).not.toBeNull();
    expect(nextIds[0]).toBe(nextIds[1]); // one lease per task: both got the same one
    const stored = await app.db.selectFrom('judgments').select('id').where('task_id', '=', task.id).execute();
    expect(stored).toHaveLength(1);
  });
});

describe('signals, criteria and the rationale rule', () => {
  it('stores the signals and criteria answers with the judgment, and carries the settings in the assignment', async () => {
    const criteria = [
      { id: 'culture', label: "Respects the asker's culture", points: 5 },
      { id: 'accuracy', label: 'Accurate', points: 3 },
    ];
    const task = await app.createTask({
      status: 'active',
      judgmentsPerPair: 1,
      criteria,
      rationale: { mode: 'required', minLength: 10 },
    });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'sig' }));
    const { socket } = await rater();
    const assignment = await nextAssignment(socket, task.id);
    expect(assignment.criteria).toEqual(criteria);
    expect(assignment.rationale).toEqual({ mode: 'required', minLength: 10 });
    const base = { assignmentId: assignment.id, choice: 0 };

    // Refusals change nothing, so the same key can still be used once the rater fixes the form.
    const key = randomUUID();
    const noRationale = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      criteria: { culture: 4, accuracy: 2 },
    });
    expect(noRationale).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: [{ path: 'rationale' }] },
    });
    const short = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      rationale: 'too short',
      criteria: { culture: 4, accuracy: 2 },
    });
    expect(short).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const missing = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      rationale: 'long enough rationale',
      criteria: { culture: 4 },
    });
    expect(missing).toMatchObject({
      ok: false,
      error: { details: [{ path: 'criteria.accuracy', message: 'is required' }] },
    });
    const outOfRange = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      rationale: 'long enough rationale',
      criteria: { culture: 4, accuracy: 4, extra: 1 },
    });
    expect(outOfRange).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const badSignals = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      rationale: 'long enough rationale',
      criteria: { culture: 4, accuracy: 2 },
      signals: { activeMs: -5, focusLosses: 1.5 },
    });
    expect(badSignals).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    const ok = await emitAck(socket, 'judgment:submit', {
      ...base,
      key,
      rationale: '  Both are fine, really.  ',
      criteria: { culture: 4, accuracy: 2 },
      timeMs: 9000,
      signals: {
        activeMs: 8000,
        focusLosses: 2,
        firstChoiceMs: 3000,
        pasteCount: 1,
        keystrokeCount: 42,
        screenWidth: 1280,
        uiVersion: '0.2.0',
      },
    });
    expect(ok).toMatchObject({ ok: true });
    const row = await app.db
      .selectFrom('judgments')
      .selectAll()
      .where('assignment_id', '=', assignment.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      rationale: 'Both are fine, really.',
      criteria: { culture: 4, accuracy: 2 },
      time_ms: 9000,
      active_ms: 8000,
      focus_losses: 2,
      first_choice_ms: 3000,
      paste_count: 1,
      keystroke_count: 42,
      screen_width: 1280,
      ui_version: '0.2.0',
    });
  });

  it('stores nulls when a client sends no signals, and refuses a rationale where the task asks for none', async () => {
    const task = await app.createTask({
      status: 'active',
      judgmentsPerPair: 1,
      rationale: { mode: 'off', minLength: 0 },
    });
    await app.importPairs(task.id, app.demoPairs(1, { prefix: 'nosig' }));
    const { socket } = await rater();
    const assignment = await nextAssignment(socket, task.id);
    expect(assignment.criteria).toEqual([]);
    const refused = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice: 1,
      rationale: 'not wanted',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const criteriaRefused = await emitAck(socket, 'judgment:submit', {
      assignmentId: assignment.id,
      key: randomUUID(),
      choice: 1,
      criteria: { x: 1 },
    });
    expect(criteriaRefused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(
      await emitAck(socket, 'judgment:submit', { assignmentId: assignment.id, key: randomUUID(), choice: 1 }),
    ).toMatchObject({
      ok: true,
    });
    const row = await app.db
      .selectFrom('judgments')
      .selectAll()
      .where('assignment_id', '=', assignment.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ criteria: null, active_ms: null, ui_version: null, screen_width: null });
  });
});

describe('rater self-service routes', () => {
  it('reads and edits the own profile; demographics only under consent, deleted on withdrawal', async () => {
    const me = await rater({ country: 'KE', languages: ['sw'] });
    const get = await app.api<ProfileResponse>('GET', '/api/me/profile', { cookie: me.cookie });
    expect(get.status).toBe(200);
    expect(get.body.profile).toMatchObject({ country: 'KE', languages: ['sw'], demographics: null, consent: null });
    expect(get.body.consentText.version).toBe(demographicsConsent.version);

    const patched = await app.api<ProfileResponse>('PATCH', '/api/me/profile', {
      cookie: me.cookie,
      body: { country: 'tz', languages: ['sw', 'en', 'sw'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.profile).toMatchObject({ country: 'TZ', languages: ['sw', 'en'] });

    const invalid = await app.api('PATCH', '/api/me/profile', { cookie: me.cookie, body: { role: 'admin' } });
    expect(invalid.status).toBe(400);
    const badLanguage = await app.api('PATCH', '/api/me/profile', {
      cookie: me.cookie,
      body: { languages: ['not a tag'] },
    });
    expect(badLanguage.status).toBe(400);

    const withoutConsent = await app.api('PATCH', '/api/me/profile', {
      cookie: me.cookie,
      body: { demographics: { ageRange: '25-34' } },
    });
    expect(withoutConsent.status).toBe(409);

    const staleConsent = await app.api('POST', '/api/me/consent', { cookie: me.cookie, body: { version: 'old' } });
    expect(staleConsent.status).toBe(409);
    const consent = await app.api<ProfileResponse>('POST', '/api/me/consent', {
      cookie: me.cookie,
      body: { version: demographicsConsent.version },
    });
    expect(consent.status).toBe(200);
    expect(consent.body.profile.consent).toEqual({ version: demographicsConsent.version, givenAt: expect.any(String) });
    // Consenting twice keeps the first record.
    const again = await app.api<ProfileResponse>('POST', '/api/me/consent', {
      cookie: me.cookie,
      body: { version: demographicsConsent.version },
    });
    expect(again.body.profile.consent?.givenAt).toBe(consent.body.profile.consent?.givenAt);

    const withDemographics = await app.api<ProfileResponse>('PATCH', '/api/me/profile', {
      cookie: me.cookie,
      body: { demographics: { ageRange: '25-34', gender: 'woman', religion: '' } },
    });
    expect(withDemographics.status).toBe(200);
    expect(withDemographics.body.profile.demographics).toEqual({ ageRange: '25-34', gender: 'woman' });

    const withdrawn = await app.api<ProfileResponse>('DELETE', '/api/me/consent', { cookie: me.cookie });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.profile).toMatchObject({ demographics: null, consent: null });
    const stored = await app.db
      .selectFrom('users')
      .select('demographics')
      .where('id', '=', me.user.id)
      .executeTakeFirstOrThrow();
    expect(stored.demographics).toBeNull();
    const records = await app.db.selectFrom('rater_consents').selectAll().where('user_id', '=', me.user.id).execute();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ version: demographicsConsent.version, withdrawn_at: expect.any(Date) });
  });

  it("lists only the caller's own judgments, newest first, by cursor; and their figures", async () => {
    const task = await app.createTask({ name: 'History task', status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(3, { prefix: 'hist' }));
    const alice = await rater();
    const bob = await rater();
    const times = [1000, 3000, 2000];
    for (const timeMs of times) {
      const a = await nextAssignment(alice.socket, task.id);
      expect(
        await emitAck(alice.socket, 'judgment:submit', {
          assignmentId: a.id,
          key: randomUUID(),
          choice: 1,
          timeMs,
          rationale: `t${timeMs}`,
        }),
      ).toMatchObject({ ok: true });
    }
    const b = await nextAssignment(bob.socket, task.id);
    expect(
      await emitAck(bob.socket, 'judgment:submit', {
        assignmentId: b.id,
        key: randomUUID(),
        choice: -1,
        rationale: 'bob',
      }),
    ).toMatchObject({ ok: true });

    const page1 = await app.api<MyJudgmentsResponse>('GET', '/api/me/judgments?limit=2', { cookie: alice.cookie });
    expect(page1.status).toBe(200);
    expect(page1.body.judgments.map((j) => j.rationale)).toEqual(['t2000', 't3000']);
    expect(page1.body.judgments[0]).toMatchObject({
      taskName: 'History task',
      choice: 1,
      scalePoints: 5,
      promptExcerpt: expect.stringContaining('Question'),
    });
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await app.api<MyJudgmentsResponse>(
      'GET',
      `/api/me/judgments?limit=2&cursor=${page1.body.nextCursor}`,
      {
        cookie: alice.cookie,
      },
    );
    expect(page2.body.judgments.map((j) => j.rationale)).toEqual(['t1000']);
    expect(page2.body.nextCursor).toBeNull();
    expect(JSON.stringify([page1.body, page2.body])).not.toContain('bob');
    expect((await app.api('GET', '/api/me/judgments?cursor=abc', { cookie: alice.cookie })).status).toBe(400);

    const stats = await app.api<{ stats: MyStats }>('GET', '/api/me/stats', { cookie: alice.cookie });
    expect(stats.body.stats).toEqual({ judgments: 3, judgedToday: 3, medianTimeMs: 2000, skips: 0 });
    const inTask = await app.api<{ stats: MyStats }>('GET', `/api/me/stats?taskId=${task.id}`, { cookie: bob.cookie });
    expect(inTask.body.stats).toMatchObject({ judgments: 1, medianTimeMs: null });
  });

  it('needs a session', async () => {
    for (const path of ['/api/me/profile', '/api/me/judgments', '/api/me/stats']) {
      expect((await app.api('GET', path)).status).toBe(401);
    }
    expect((await app.api('DELETE', '/api/me/consent')).status).toBe(401);
  });
});
