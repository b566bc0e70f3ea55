import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult, Pair, PairsPage } from '@anchor/shared';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await startTestApp();
  token = await app.createAdminToken();
});
afterAll(() => app?.close());

const ndjson = { 'content-type': 'application/x-ndjson' };
const csv = { 'content-type': 'text/csv' };
const lines = (...items: unknown[]) =>
  items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join('\n') + '\n';
const pair = (id: string, extra: object = {}) => ({
  externalId: id,
  prompt: `Prompt ${id}`,
  responseA: { text: `A ${id}` },
  responseB: { text: `B ${id}` },
  ...extra,
});

async function pairCount(taskId: string): Promise<number> {
  const row = await app.db
    .selectFrom('pairs')
    .where('task_id', '=', taskId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

describe('POST /api/tasks/:id/pairs', () => {
  it('imports JSON Lines, reports bad lines by number and inserts nothing for them', async () => {
    const task = await app.createTask();
    const body = lines(
      pair('a', { responseA: { text: 'A a', model: 'atlas-7b' }, tags: { topic: 'family' }, gold: 'A' }),
      '{"externalId": "broken", ',
      pair('b', {
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello?' },
        ],
      }),
      { externalId: 'c', prompt: 'no responses' },
      '',
      pair('d', { responseB: { text: '' } }),
      pair('e'),
    );
    const res = await app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: body,
      headers: ndjson,
    });
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(3);
    expect(res.body.skipped).toBe(0);
    expect(res.body.errors.map((e) => e.line)).toEqual([2, 4, 6]); // the blank line 5 is skipped, not an error
    expect(res.body.errors[0]!.message).toBe('This line is not valid JSON.');
    expect(res.body.errors[1]!.message).toBe('responseA is required; responseB is required');
    expect(res.body.errors[2]!.message).toMatch(/responseB\.text must not be empty/);
    expect(await pairCount(task.id)).toBe(3);
    const page = await app.api<PairsPage>('GET', `/api/tasks/${task.id}/pairs`, { token });
    const a = page.body.pairs.find((p: Pair) => p.externalId === 'a')!;
    expect(a).toMatchObject({
      responseA: { text: 'A a', model: 'atlas-7b' },
      tags: { topic: 'family' },
      gold: 'A',
      judgments: 0,
    });
    expect(page.body.pairs.find((p) => p.externalId === 'b')!.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello?' },
    ]);
  });

  it('skips lines whose externalId the task already has, so a re-import is safe', async () => {
    const task = await app.createTask();
    const body = lines(pair('x1'), pair('x2'));
    expect(
      (await app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, { token, raw: body, headers: ndjson })).body,
    ).toEqual({ inserted: 2, skipped: 0, errors: [] });
    const again = await app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: lines(pair('x1'), pair('x2'), pair('x3')),
      headers: ndjson,
    });
    expect(again.body).toEqual({ inserted: 1, skipped: 2, errors: [] });
    expect(await pairCount(task.id)).toBe(3);
  });

  it('gives pairs without an externalId one from their content, so they too are not doubled', async () => {
    const task = await app.createTask();
    const body = lines({ prompt: 'p', responseA: { text: 'a' }, responseB: { text: 'b' } });
    await app.api('POST', `/api/tasks/${task.id}/pairs`, { token, raw: body, headers: ndjson });
    const again = await app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: body,
      headers: ndjson,
    });
    expect(again.body).toEqual({ inserted: 0, skipped: 1, errors: [] });
  });

  it('imports CSV with quoted multi-line cells, model and tag columns', async () => {
    const task = await app.createTask();
    const body = [
      'external_id,prompt,response_a,response_b,model_a,model_b,tag_topic',
      'c1,"How do I refuse a second helping, politely?","Say ""it was delicious""\nand smile.",Just say no.,atlas-7b,cedar-70b,food',
      'c2,Only a prompt,,,,,',
      'c3,"=cmd|\' /C calc\'!A0",Fine,Also fine,,,',
    ].join('\r\n');
    const res = await app.api<ImportResult>('POST', `/api/tasks/${task.id}/pairs`, { token, raw: body, headers: csv });
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(2);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]!.line).toBe(4); // the quoted cell spans lines 2–3
    const page = await app.api<PairsPage>('GET', `/api/tasks/${task.id}/pairs`, { token });
    const c1 = page.body.pairs.find((p) => p.externalId === 'c1')!;
    expect(c1.responseA).toEqual({ text: 'Say "it was delicious"\nand smile.', model: 'atlas-7b' });
    expect(c1.tags).toEqual({ topic: 'food' });
  });

  it('refuses an unknown content type with 415 and an oversized declared body with 413', async () => {
    const task = await app.createTask();
    const wrong = await app.api('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: 'x',
      headers: { 'content-type': 'application/xml' },
    });
    expect(wrong.status).toBe(415);
    expect(wrong.body).toMatchObject({
      error: { code: 'unsupported_media_type', message: expect.stringMatching(/JSON Lines/) },
    });
    // A raw request: fetch refuses to send a Content-Length it does not honour.
    const huge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${app.url}/api/tasks/${task.id}/pairs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...ndjson, 'content-length': String(10 * 1024 ** 3) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"prompt":');
    });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('rolls the whole import back when the body fails midway (size limit or dropped connection)', async () => {
    const task = await app.createTask();
    const { Readable } = await import('node:stream');
    async function* body() {
      yield JSON.stringify(pair('r1')) + '\n';
      yield JSON.stringify(pair('r2')) + '\n';
      throw new Error('connection reset');
    }
    await expect(
      app.services.pairs.import(await app.services.tasks.getRow(task.id), 'jsonl', Readable.from(body())),
    ).rejects.toThrow('connection reset');
    expect(await pairCount(task.id)).toBe(0);
  });

  it('does not add pairs to an archived task, and pages through pairs with a cursor', async () => {
    const task = await app.createTask();
    await app.importPairs(task.id, app.demoPairs(5, { prefix: 'page' }));
    const first = await app.api<PairsPage>('GET', `/api/tasks/${task.id}/pairs?limit=2`, { token });
    const second = await app.api<PairsPage>(
      'GET',
      `/api/tasks/${task.id}/pairs?limit=2&cursor=${first.body.nextCursor}`,
      { token },
    );
    const third = await app.api<PairsPage>(
      'GET',
      `/api/tasks/${task.id}/pairs?limit=2&cursor=${second.body.nextCursor}`,
      { token },
    );
    const ids = [...first.body.pairs, ...second.body.pairs, ...third.body.pairs].map((p) => p.externalId);
    expect(new Set(ids).size).toBe(5);
    expect(third.body.nextCursor).toBeNull();
    expect((await app.api('GET', `/api/tasks/${task.id}/pairs?cursor=garbage`, { token })).status).toBe(400);

    await app.services.tasks.update(task.id, { status: 'archived' });
    const res = await app.api('POST', `/api/tasks/${task.id}/pairs`, {
      token,
      raw: lines(pair('late')),
      headers: ndjson,
    });
    expect(res.status).toBe(409);
  });
});
