import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, User } from '@anchor/shared';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
});
afterAll(() => app?.close());

describe('users (admin)', () => {
  it('creates, lists and patches users; a taken email is a 409', async () => {
    const created = await app.api<{ user: User }>('POST', '/api/users', {
      token,
      body: {
        email: 'Noor@Example.test',
        displayName: 'Noor',
        role: 'rater',
        password: 'long enough',
        country: 'ke',
        languages: ['sw', 'en'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({
      email: 'noor@example.test',
      country: 'KE',
      languages: ['sw', 'en'],
      status: 'active',
    });
    const again = await app.api('POST', '/api/users', {
      token,
      body: { email: 'noor@example.test', displayName: 'Noor 2', role: 'rater' },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'conflict' } });

    const list = await app.api<{ users: User[] }>('GET', '/api/users', { token });
    expect(list.body.users.map((u) => u.email)).toContain('noor@example.test');

    const patched = await app.api<{ user: User }>('PATCH', `/api/users/${created.body.user.id}`, {
      token,
      body: { displayName: 'Noor A.', attributes: { region: 'EA' } },
    });
    expect(patched.body.user).toMatchObject({ displayName: 'Noor A.', attributes: { region: 'EA' } });
    const missing = await app.api('PATCH', '/api/users/00000000-0000-4000-8000-000000000000', {
      token,
      body: { displayName: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('explains each invalid field', async () => {
    const res = await app.api('POST', '/api/users', {
      token,
      body: { email: 'not-an-email', displayName: '', role: 'boss', country: 'Kenya' },
    });
    expect(res.status).toBe(400);
    const paths = (res.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort();
    expect(paths).toEqual(['country', 'displayName', 'email', 'role']);
  });
});

describe('tasks (admin)', () => {
  it('creates a draft with the contract defaults, gets, lists and patches it', async () => {
    const created = await app.api<{ task: Task }>('POST', '/api/tasks', {
      token,
      body: { name: 'Hospitality', instructions: '# Be kind' },
    });
    expect(created.status).toBe(201);
    expect(created.body.task).toMatchObject({
      name: 'Hospitality',
      status: 'draft',
      judgmentsPerPair: 3,
      scale: { points: 5 },
      leaseSeconds: 600,
      eligibility: {},
    });
    const id = created.body.task.id;
    expect((await app.api<{ task: Task }>('GET', `/api/tasks/${id}`, { token })).body.task.id).toBe(id);
    expect((await app.api<{ tasks: Task[] }>('GET', '/api/tasks', { token })).body.tasks.map((t) => t.id)).toContain(
      id,
    );
    const patched = await app.api<{ task: Task }>('PATCH', `/api/tasks/${id}`, {
      token,
      body: { status: 'active', judgmentsPerPair: 5, eligibility: { countries: ['br'] } },
    });
    expect(patched.body.task).toMatchObject({
      status: 'active',
      judgmentsPerPair: 5,
      eligibility: { countries: ['BR'] },
    });
  });

  it('rejects out-of-range settings and impossible status moves with clear errors', async () => {
    const bad = await app.api('POST', '/api/tasks', {
      token,
      body: { name: 'x', judgmentsPerPair: 51, scale: { points: 1 }, leaseSeconds: 5 },
    });
    expect(bad.status).toBe(400);
    const paths = (bad.body as { error: { details: Array<{ path: string }> } }).error.details.map((d) => d.path).sort();
    expect(paths).toEqual(['judgmentsPerPair', 'leaseSeconds', 'scale.points']);

    const task = await app.createTask({ status: 'active' });
    const archived = await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { status: 'archived' } });
    expect(archived.status).toBe(200);
    const back = await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { status: 'active' } });
    expect(back.status).toBe(409);
    expect(back.body).toMatchObject({ error: { code: 'conflict', message: 'A archived task cannot become active.' } });
    expect((await app.api('GET', '/api/tasks/not-a-uuid', { token })).status).toBe(400);
    expect((await app.api('GET', '/api/tasks/00000000-0000-4000-8000-000000000000', { token })).status).toBe(404);
  });

  it('tells raters live when a task they see changes', async () => {
    const task = await app.createTask({ status: 'active' });
    const rater = await app.createUser();
    const socket = await app.socket({ cookie: await app.login(rater.email, rater.password) });
    const updated = new Promise<Task>((resolve) => socket.on('task:updated', ({ task }) => resolve(task)));
    await app.api('PATCH', `/api/tasks/${task.id}`, { token, body: { status: 'paused' } });
    expect(await updated).toMatchObject({ id: task.id, status: 'paused' });
  });

  it('reports stats: counts, raters, left share and agreement', async () => {
    const task = await app.createTask({ status: 'active', judgmentsPerPair: 2 });
    await app.importPairs(task.id, app.demoPairs(2, { prefix: 'stats' }));
    const stats = await app.api('GET', `/api/tasks/${task.id}/stats`, { token });
    expect(stats.body).toMatchObject({
      pairs: 2,
      judgments: 0,
      completePairs: 0,
      activeLeases: 0,
      raters: 0,
      agreement: { alphaOrdinal: null, alphaNominal: null },
      positionBias: { leftShare: null },
    });
  });
});
