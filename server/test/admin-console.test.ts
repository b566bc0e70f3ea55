import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Assignment,
  AuditPage,
  CreateInviteResponse,
  ExportLogEntry,
  ExportManifest,
  ImportResult,
  InvitePreview,
  RaterActivity,
  TaskPreviewResponse,
  TaskProgress,
  TaskStats,
  User,
} from '@anchor/shared';
import { PACE_REFRESH_MS } from '../src/modules/progress/progress.service.js';
import { PROGRESS_WINDOW_MS } from '../src/realtime/notifier.js';
import { emitAck, startTestApp, type TestApp, type TestSocket, type TestUser } from './harness.js';

let app: TestApp;
let admin: TestUser;
let adminCookie: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser({ role: 'admin' });
  adminCookie = await app.login(admin.email, admin.password);
});
afterAll(() => app?.close());

async function judgeOnce(socket: TestSocket, taskId: string, choice = -1): Promise<Assignment> {
  const next = await emitAck(socket, 'assignment:next', { taskId });
  if (!('assignment' in next)) throw new Error(`expected an assignment, got ${JSON.stringify(next)}`);
  const ack = await emitAck(socket, 'judgment:submit', {
    assignmentId: next.assignment.id,
    key: randomUUID(),
    choice,
    timeMs: 4000,
  });
  expect(ack).toMatchObject({ ok: true });
  return next.assignment;
}

function cookieFrom(headers: Headers): string {
  const match = /anchor_session=([^;]+)/.exec(headers.get('set-cookie') ?? '');
  if (!match) throw new Error('no session cookie');
  return `anchor_session=${match[1]}`;
}

describe('invitations', () => {
  it('makes a one-time link, stored hashed, that signs the invitee in with the password they choose', async () => {
    const created = await app.api<CreateInviteResponse>('POST', '/api/invites', {
      cookie: adminCookie,
      body: { email: 'Zawadi@Example.test', country: 'ke', languages: ['sw', 'en'], expiresInHours: 2 },
    });
    expect(created.status).toBe(201);
    const { invite, link, token } = created.body;
    expect(invite).toMatchObject({ email: 'zawadi@example.test', role: 'rater', country: 'KE', status: 'pending' });
    expect(link).toBe(`${app.url}/invite/${token}`);
    // Only the hash is kept.
    const row = await app.db.selectFrom('invites').selectAll().where('id', '=', invite.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);

    // The invitee (no session) reads it and accepts it.
    const preview = await app.api<{ invite: InvitePreview }>('GET', `/api/invites/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body.invite).toMatchObject({ email: 'zawadi@example.test', role: 'rater' });
    const short = await app.api('POST', `/api/invites/${token}/accept`, {
      headers: { origin: app.url },
      body: { password: 'short', displayName: 'Zawadi' },
    });
    expect(short.status).toBe(400);
    const accepted = await app.api<{ user: User }>('POST', `/api/invites/${token}/accept`, {
      headers: { origin: app.url },
      body: { password: 'a-long-password', displayName: 'Zawadi Mwangi' },
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({
      email: 'zawadi@example.test',
      displayName: 'Zawadi Mwangi',
      role: 'rater',
      country: 'KE',
      languages: ['sw', 'en'],
    });
    const me = await app.api<{ user: User }>('GET', '/api/auth/me', { cookie: cookieFrom(accepted.headers) });
    expect(me.body.user.email).toBe('zawadi@example.test');
    // And can sign in again with that password.
    await app.login('zawadi@example.test', 'a-long-password');

    // One time only.
    const again = await app.api('POST', `/api/invites/${token}/accept`, {
      headers: { origin: app.url },
      body: { password: 'another-long-password', displayName: 'Someone' },
    });
    expect(again.status).toBe(404);
    expect((await app.api('GET', `/api/invites/${token}`)).status).toBe(404);
    const listed = await app.api<{ invites: Array<{ id: string; status: string; acceptedUserId: string | null }> }>(
      'GET',
      '/api/invites',
      { cookie: adminCookie },
    );
    expect(listed.body.invites.find((i) => i.id === invite.id)).toMatchObject({
      status: 'accepted',
      acceptedUserId: accepted.body.user.id,
    });
  });

  it('refuses expired and revoked links, and two acceptances racing get one account', async () => {
    const make = async (email: string) =>
      (await app.api<CreateInviteResponse>('POST', '/api/invites', { cookie: adminCookie, body: { email } })).body;
    const expired = await make('late@example.test');
    await app.db
      .updateTable('invites')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.invite.id)
      .execute();
    const accept = (token: string, password = 'a-long-password') =>
      app.api('POST', `/api/invites/${token}/accept`, {
        headers: { origin: app.url },
        body: { password, displayName: 'X' },
      });
    expect((await accept(expired.token)).status).toBe(404);

    const revoked = await make('revoked@example.test');
    expect((await app.api('DELETE', `/api/invites/${revoked.invite.id}`, { cookie: adminCookie })).status).toBe(200);
    expect((await accept(revoked.token)).status).toBe(404);

    const raced = await make('race@example.test');
    const results = await Promise.all([accept(raced.token), accept(raced.token), accept(raced.token)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 404, 404]);
    const users = await app.db.selectFrom('users').select('id').where('email', '=', 'race@example.test').execute();
    expect(users).toHaveLength(1);
  });

  it('is for admins to create', async () => {
    const rater = await app.createUser();
    const cookie = await app.login(rater.email, rater.password);
    const res = await app.api('POST', '/api/invites', { cookie, body: { email: 'x@example.test' } });
    expect(res.status).toBe(403);
  });
});

describe('the audit log', () => {
  it('records who changed what, pages newest first, and exports as CSV', async () => {
    const created = await app.api<{ task: { id: string } }>('POST', '/api/tasks', {
      cookie: adminCookie,
      body: { name: 'Audited task', judgmentsPerPair: 1 },
    });
    const taskId = created.body.task.id;
    await app.api('PATCH', `/api/tasks/${taskId}`, { cookie: adminCookie, body: { leaseSeconds: 300 } });
    await app.api('PATCH', `/api/tasks/${taskId}`, { cookie: adminCookie, body: { status: 'active' } });
    const lines = app
      .demoPairs(2)
      .map((p) => JSON.stringify(p))
      .join('\n');
    await app.api('POST', `/api/tasks/${taskId}/pairs`, {
      cookie: adminCookie,
      raw: `${lines}\n{"bad": true}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    const user = await app.api<{ user: User }>('POST', '/api/users', {
      cookie: adminCookie,
      body: { email: 'audited@example.test', displayName: 'Audited', role: 'rater', password: 'a-long-password' },
    });
    await app.api('PATCH', `/api/users/${user.body.user.id}`, {
      cookie: adminCookie,
      body: { status: 'disabled', password: 'another-long-password' },
    });

    const page = await app.api<AuditPage>('GET', '/api/audit?limit=4', { cookie: adminCookie });
    expect(page.status).toBe(200);
    expect(page.body.entries.map((e) => e.action)).toEqual([
      'user.disabled',
      'user.created',
      'pairs.imported',
      'task.status_changed',
    ]);
    expect(page.body.entries.every((e) => e.actorEmail === admin.email && e.actorId === admin.user.id)).toBe(true);
    expect(page.body.entries[0]!.details).toMatchObject({ passwordChanged: true });
    expect(JSON.stringify(page.body.entries[0])).not.toContain('another-long-password');
    expect(page.body.entries[2]!.details).toMatchObject({ inserted: 2, skipped: 0, rejectedLines: 1 });
    expect(page.body.entries[3]!.details).toMatchObject({ from: 'draft', to: 'active' });
    const older = await app.api<AuditPage>('GET', `/api/audit?limit=4&cursor=${page.body.nextCursor}`, {
      cookie: adminCookie,
    });
    expect(older.body.entries.slice(0, 2).map((e) => e.action)).toEqual(['task.updated', 'task.created']);
    expect(Number(older.body.entries[0]!.seq)).toBeLessThan(Number(page.body.entries.at(-1)!.seq));

    const filtered = await app.api<AuditPage>('GET', `/api/audit?targetType=task&targetId=${taskId}`, {
      cookie: adminCookie,
    });
    expect(filtered.body.entries).toHaveLength(4);

    const csv = await app.api('GET', '/api/audit/export', { cookie: adminCookie });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const csvLines = csv.text.trim().split('\r\n');
    expect(csvLines[0]).toBe('seq,at,actor_id,actor_email,action,target_type,target_id,details');
    expect(csv.text).toContain('user.disabled');
    expect(csv.text).toContain('"{""name"":""Audited task""}"');

    const rater = await app.createUser();
    const raterCookie = await app.login(rater.email, rater.password);
    expect((await app.api('GET', '/api/audit', { cookie: raterCookie })).status).toBe(403);
  });
});

describe('preview as rater', () => {
  it('shows a real pair in the assignment shape and leases, counts and records nothing', async () => {
    const task = await app.createTask({
      name: 'Preview me',
      instructions: 'Be **kind**.',
      status: 'active',
      scale: { points: 3, labels: ['Left better', 'Same', 'Right better'] },
      criteria: [{ id: 'respect', label: 'Respectful?', points: 5 }],
    });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'pv', models: true }));
    const res = await app.api<TaskPreviewResponse>('GET', `/api/tasks/${task.id}/preview`, { cookie: adminCookie });
    expect(res.status).toBe(200);
    expect(res.body.preview).toBe(true);
    expect(res.body.pair?.externalId).toBe('pv-0');
    expect(res.body.assignment).toMatchObject({
      taskId: task.id,
      instructions: 'Be **kind**.',
      prompt: expect.stringContaining('Question 0') as unknown,
      left: { text: 'Answer A to question 0' },
      right: { text: 'Answer B to question 0' },
      scale: { points: 3, labels: ['Left better', 'Same', 'Right better'] },
      criteria: [{ id: 'respect', label: 'Respectful?', points: 5 }],
    });
    expect(JSON.stringify(res.body)).not.toContain('atlas');
    const second = await app.api<TaskPreviewResponse>('GET', `/api/tasks/${task.id}/preview?n=1`, {
      cookie: adminCookie,
    });
    expect(second.body.pair?.externalId).toBe('pv-1');
    const past = await app.api<TaskPreviewResponse>('GET', `/api/tasks/${task.id}/preview?n=2`, {
      cookie: adminCookie,
    });
    expect(past.body).toEqual({ preview: true, assignment: null, pair: null });

    const leases = await app.db.selectFrom('assignments').select('id').where('task_id', '=', task.id).execute();
    expect(leases).toEqual([]);
    const stats = await app.api<TaskStats>('GET', `/api/tasks/${task.id}/stats`, { cookie: adminCookie });
    expect(stats.body).toMatchObject({ activeLeases: 0, judgments: 0, activeRaters: 0 });

    // The custom labels reach raters too.
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const next = await emitAck(socket, 'assignment:next', { taskId: task.id });
    expect(next).toMatchObject({
      assignment: { scale: { points: 3, labels: ['Left better', 'Same', 'Right better'] } },
    });

    const raterCookie = await app.login(rater.email, rater.password);
    expect((await app.api('GET', `/api/tasks/${task.id}/preview`, { cookie: raterCookie })).status).toBe(403);
  });

  it('checks that the labels fit the scale', async () => {
    const res = await app.api<{ error: { details: Array<{ path: string }> } }>('POST', '/api/tasks', {
      cookie: adminCookie,
      body: { name: 'Bad labels', scale: { points: 5, labels: ['a', 'b'] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d) => d.path)).toContain('scale.labels');
  });
});

describe('live progress', () => {
  it('carries the pace per minute, the raters at work, the target and an ETA, at most every 250 ms', async () => {
    const task = await app.createTask({ name: 'Live', status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(6, { prefix: 'live' }));
    const watcher = await app.socket({ cookie: adminCookie });
    const received: TaskProgress[] = [];
    watcher.on('task:progress', (p) => {
      if (p.taskId === task.id) received.push(p);
    });
    const raters = await Promise.all([app.createUser(), app.createUser()]);
    const sockets = await Promise.all(
      raters.map(async (r) => app.socket({ cookie: await app.login(r.email, r.password) })),
    );
    for (let i = 0; i < 3; i++) for (const socket of sockets) await judgeOnce(socket, task.id);
    // Broadcasts in a burst may carry an active-rater count up to 2 s old; the last one after the burst is exact.
    await expect.poll(() => received.at(-1), { timeout: 5000 }).toMatchObject({ judgments: 6, activeRaters: 2 });
    const last = received.at(-1)!;
    expect(last).toMatchObject({ pairs: 6, judgments: 6, targetJudgments: 12, activeRaters: 2 });
    expect(last.judgmentsPerMinute).toHaveLength(10);
    expect(last.judgmentsPerMinute.reduce((a, b) => a + b, 0)).toBe(6);
    // In the current minute, or the one before when the last broadcast came just after a minute began.
    expect(last.judgmentsPerMinute.slice(-2).reduce((a, b) => a + b, 0)).toBe(6);
    expect(last.etaSeconds).toEqual(expect.any(Number));
    expect(last.etaSeconds!).toBeGreaterThan(0);
    // Six judgments within a fraction of a second: throttled, not one event each.
    expect(received.length).toBeLessThan(6);

    const stats = await app.api<TaskStats>('GET', `/api/tasks/${task.id}/stats`, { cookie: adminCookie });
    expect(stats.body).toMatchObject({ judgments: 6, targetJudgments: 12, activeRaters: 2 });
    const all = await app.api<{ progress: TaskProgress[] }>('GET', '/api/progress', { cookie: adminCookie });
    expect(all.body.progress.find((p) => p.taskId === task.id)).toMatchObject({ judgments: 6, targetJudgments: 12 });

    // Per-rater activity for the raters page.
    const activity = await app.api<RaterActivity>('GET', `/api/users/${raters[0].user.id}/activity`, {
      cookie: adminCookie,
    });
    expect(activity.body.judgments).toHaveLength(3);
    expect(activity.body.judgments[0]).toMatchObject({ taskId: task.id, taskName: 'Live', timeMs: 4000 });

    // Everything done: the ETA is zero.
    for (let i = 0; i < 3; i++) for (const socket of sockets) await judgeOnce(socket, task.id);
    await expect.poll(() => received.at(-1)?.judgments, { timeout: 5000 }).toBe(12);
    expect(received.at(-1)).toMatchObject({ completePairs: 6, etaSeconds: 0 });
  });
});

describe('live progress under concurrent judging', () => {
  it('never counts a judgment twice when it commits between the counters and the pace being read', async () => {
    const task = await app.createTask({ name: 'Race', status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(4, { prefix: 'pace-race' }));
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    await judgeOnce(socket, task.id);
    // Let the notifier's broadcasts for that judgment settle (its last one reads afresh), so that the reads below are
    // the only ones that set the task's cached pace.
    await new Promise((resolve) => setTimeout(resolve, PACE_REFRESH_MS + PROGRESS_WINDOW_MS + 500));
    // The real repository, with a judgment made (over the socket, committed) just before its pace statement runs.
    const repository = (app.services.progress as unknown as { progress: { pace: (...a: never[]) => Promise<unknown> } })
      .progress;
    const pace = repository.pace.bind(repository);
    repository.pace = async (...args) => {
      repository.pace = pace;
      await judgeOnce(socket, task.id);
      return pace(...args);
    };
    const sum = (series: number[]) => series.reduce((a, b) => a + b, 0);
    const fresh = await app.services.progress.progressOf(task.id);
    expect(sum(fresh.judgmentsPerMinute)).toBe(2);
    // Within the same minute and 2 s this one reuses that pace, adding what the counters gained since it was read.
    await judgeOnce(socket, task.id);
    const reused = await app.services.progress.progressOf(task.id, PACE_REFRESH_MS);
    expect(reused.judgments).toBe(3);
    expect(sum(reused.judgmentsPerMinute)).toBe(3);
  });
});

describe('users list filters', () => {
  it('finds people by text, country, language and status', async () => {
    await app.createUser({ email: 'amani.filter@example.test', country: 'TZ', languages: ['sw'] });
    const disabled = await app.createUser({
      email: 'omar.filter@example.test',
      country: 'EG',
      languages: ['ar', 'en'],
    });
    await app.api('PATCH', `/api/users/${disabled.user.id}`, { cookie: adminCookie, body: { status: 'disabled' } });
    const find = async (query: string) =>
      (await app.api<{ users: User[] }>('GET', `/api/users?${query}`, { cookie: adminCookie })).body.users.map(
        (u) => u.email,
      );
    expect(await find('q=FILTER')).toEqual(['amani.filter@example.test', 'omar.filter@example.test']);
    expect(await find('q=filter&country=eg')).toEqual(['omar.filter@example.test']);
    expect(await find('q=filter&language=sw')).toEqual(['amani.filter@example.test']);
    expect(await find('q=filter&status=disabled')).toEqual(['omar.filter@example.test']);
    expect(await find('q=%25')).toEqual([]); // a literal %, not a wildcard
  });
});

describe('the export log', () => {
  it('logs each download with its format, filters, rows and the SHA-256 the manifest promised', async () => {
    const task = await app.createTask({ name: 'Exported', status: 'active', judgmentsPerPair: 1 });
    await app.importPairs(task.id, app.demoPairs(3, { prefix: 'ex' }));
    const rater = await app.createUser({ country: 'KE' });
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    for (let i = 0; i < 3; i++) await judgeOnce(socket, task.id, i === 0 ? 0 : -1);

    for (const format of ['dpo', 'csv', 'parquet'] as const) {
      const manifest = await app.api<{ manifest: ExportManifest }>(
        'GET',
        `/api/tasks/${task.id}/export/manifest?format=${format}`,
        { cookie: adminCookie },
      );
      const download = await fetch(`${app.url}/api/tasks/${task.id}/export?format=${format}`, {
        headers: { cookie: adminCookie },
      });
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.body.manifest.sha256);
      await expect
        .poll(async () =>
          (
            await app.api<{ exports: ExportLogEntry[] }>('GET', `/api/tasks/${task.id}/exports`, {
              cookie: adminCookie,
            })
          ).body.exports.find((e) => e.format === format),
        )
        .toMatchObject({
          format,
          rows: manifest.body.manifest.counts.rows,
          bytes: bytes.length,
          sha256: manifest.body.manifest.sha256,
          actorEmail: admin.email,
          filters: { aggregate: 'mean', includeGold: false },
        });
    }
    // The audit entry follows the export log's, after the response: wait for the last download's too.
    await expect
      .poll(async () =>
        (
          await app.api<AuditPage>('GET', `/api/audit?action=export.downloaded&targetId=${task.id}`, {
            cookie: adminCookie,
          })
        ).body.entries.map((e) => e.details.format),
      )
      .toEqual(['parquet', 'csv', 'dpo']);
  });
});

describe('a 100,000-pair import', () => {
  it('streams in one request and one transaction, and re-importing it skips every pair', async () => {
    const task = await app.createTask({ name: 'Big import', judgmentsPerPair: 3 });
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      lines.push(
        JSON.stringify({
          externalId: `big-${i}`,
          prompt: `Question ${i}: what is a respectful way to decline an invitation from an elder?`,
          responseA: { text: `Answer A ${i}: thank them warmly and explain briefly.`, model: 'atlas-7b' },
          responseB: { text: `Answer B ${i}: just say no.`, model: 'baobab-13b' },
          tags: { batch: String(i % 10) },
        }),
      );
    }
    const body = Buffer.from(lines.join('\n') + '\n');
    const post = () =>
      app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, {
        cookie: adminCookie,
        raw: body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
    const started = performance.now();
    const first = await post();
    const firstMs = performance.now() - started;
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ inserted: 100_000, skipped: 0, errors: [] });
    const again = performance.now();
    const second = await post();
    const secondMs = performance.now() - again;
    expect(second.body).toEqual({ inserted: 0, skipped: 100_000, errors: [] });
    const stats = await app.api<TaskStats>('GET', `/api/tasks/${task.id}/stats`, { cookie: adminCookie });
    expect(stats.body).toMatchObject({ pairs: 100_000, targetJudgments: 300_000 });
    console.log(
      `100,000-pair import (${(body.length / 1024 / 1024).toFixed(1)} MB JSON Lines): ${(firstMs / 1000).toFixed(2)} s; re-import (all skipped): ${(secondMs / 1000).toFixed(2)} s`,
    );
  }, 180_000);
});
