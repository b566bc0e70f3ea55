import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type pg from 'pg';
import { SESSION_COOKIE, type ImportResult, type Task } from '@anchor/shared';
import { hashPassword } from '../modules/auth/password.js';

const MODELS = ['atlas-7b', 'baobab-13b', 'cedar-70b'];

/** The admin side of the bench, over HTTP with an API token, as a training pipeline or admin script would. */
export class AdminClient {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /** Signs in once (one argon2 verification) and makes an API token for everything after. */
  static async signIn(url: string, email: string, password: string): Promise<AdminClient> {
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const res = await fetch(`${url}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: url },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`);
    return new AdminClient(url, ((await res.json()) as { secret: string }).secret);
  }

  /** The same token against a restarted server (it lives in the database). */
  at(url: string): AdminClient {
    return new AdminClient(url, this.token);
  }

  private async request<T>(method: string, path: string, body: string, contentType: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': contentType },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} failed: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** A GET whose body is streamed, not buffered (exports); rejects on a status other than 200. */
  get(path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => reject(new Error(`GET ${path} failed: ${res.statusCode} ${text.slice(0, 500)}`)));
      });
      req.on('error', reject);
    });
  }

  /** A 5-point task, active at once unless `draft` (pairs inserted in SQL first). */
  async createTask(name: string, judgmentsPerPair: number, options: { draft?: boolean } = {}): Promise<Task> {
    const body = {
      name,
      instructions: 'Which answer serves the asker better?',
      judgmentsPerPair,
      scale: { points: 5 },
    };
    const { task } = await this.request<{ task: Task }>('POST', '/api/tasks', JSON.stringify(body), 'application/json');
    return options.draft ? task : this.activate(task.id);
  }

  async activate(taskId: string): Promise<Task> {
    const body = JSON.stringify({ status: 'active' });
    return (await this.request<{ task: Task }>('PATCH', `/api/tasks/${taskId}`, body, 'application/json')).task;
  }

  importPairs(taskId: string, count: number, prefix: string): Promise<ImportResult> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      lines.push(
        JSON.stringify({
          externalId: `${prefix}-${i}`,
          prompt: `Question ${i}: how should I greet my partner's grandmother at a family dinner?`,
          responseA: { text: `Answer A to question ${i}: greet her first, with both hands.`, model: MODELS[i % 3] },
          responseB: { text: `Answer B to question ${i}: wait until she greets you.`, model: MODELS[(i + 1) % 3] },
          tags: { topic: 'greetings' },
        }),
      );
    }
    return this.request<ImportResult>(
      'POST',
      `/api/tasks/${taskId}/pairs`,
      lines.join('\n') + '\n',
      'application/x-ndjson',
    );
  }
}

export interface SeededRaters {
  ids: string[];
  /** `anchor_session=<secret>`, one per rater. */
  cookies: string[];
}

/**
 * Rater accounts and signed-in sessions straight in SQL: 10,000 logins would be 10,000 argon2 verifications
 * (minutes on 2 cores) and are not what is measured. Every account gets the same real argon2id hash; a session row
 * is what a login writes (its id the sha256 hex of the cookie's secret).
 */
export async function seedRaters(pool: pg.Pool, count: number, prefix: string): Promise<SeededRaters> {
  const hash = await hashPassword(randomBytes(12).toString('base64url'));
  const ids: string[] = [];
  const cookies: string[] = [];
  const BATCH = 5000;
  for (let from = 0; from < count; from += BATCH) {
    const n = Math.min(BATCH, count - from);
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO users (email, display_name, role, password_hash)
       SELECT format('%s-%s@bench.test', $1::text, g), format('Bench rater %s', g), 'rater', $2
       FROM generate_series($3::int, $4::int) AS g
       RETURNING id`,
      [prefix, hash, from, from + n - 1],
    );
    const secrets = rows.map(() => randomBytes(32).toString('base64url'));
    await pool.query(
      `INSERT INTO sessions (id, user_id, expires_at)
       SELECT s.id, s.user_id, now() + interval '1 day' FROM unnest($1::text[], $2::uuid[]) AS s(id, user_id)`,
      [secrets.map((s) => createHash('sha256').update(s).digest('hex')), rows.map((r) => r.id)],
    );
    ids.push(...rows.map((r) => r.id));
    cookies.push(...secrets.map((s) => `${SESSION_COOKIE}=${s}`));
  }
  return { ids, cookies };
}

/** The columns `seedPairs` sets; anything else must be nullable or have a default. */
const PAIR_COLUMNS = new Set([
  'task_id',
  'external_id',
  'prompt',
  'response_a',
  'response_b',
  'model_a',
  'model_b',
  'tags',
  'target',
]);

/**
 * Inserts `count` pairs into a task with INSERT … SELECT … FROM generate_series, in batches (`onBatch` reports
 * progress), then ANALYZEs `pairs`. `target` (a pair's judgments goal) is set to the task's judgmentsPerPair when
 * the schema has it. A NOT NULL column without a default that this function does not know stops it with a message:
 * a new migration must be reflected here.
 */
export async function seedPairs(
  pool: pg.Pool,
  task: Pick<Task, 'id' | 'judgmentsPerPair'>,
  count: number,
  prefix: string,
  onBatch?: (inserted: number) => void,
): Promise<void> {
  const { rows: columns } = await pool.query<{ column_name: string; required: boolean }>(
    `SELECT column_name,
       (is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' AND is_generated = 'NEVER') AS required
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'pairs'`,
  );
  const unknown = columns.filter((c) => c.required && !PAIR_COLUMNS.has(c.column_name)).map((c) => c.column_name);
  if (unknown.length > 0) {
    throw new Error(`pairs has NOT NULL columns the bench does not set (${unknown.join(', ')}): update seedPairs`);
  }
  const hasTarget = columns.some((c) => c.column_name === 'target');
  const BATCH = 100_000;
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH) - 1;
    await pool.query(
      `INSERT INTO pairs (task_id, external_id, prompt, response_a, response_b, model_a, model_b, tags
         ${hasTarget ? ', target' : ''})
       SELECT $1::uuid, format('%s-%s', $2::text, g),
         to_jsonb(format('Question %s: how should I greet my partner''s grandmother at a family dinner?', g)),
         format('Answer A to question %s: greet her first, with both hands.', g),
         format('Answer B to question %s: wait until she greets you.', g),
         (ARRAY['atlas-7b', 'baobab-13b', 'cedar-70b'])[g % 3 + 1],
         (ARRAY['atlas-7b', 'baobab-13b', 'cedar-70b'])[(g + 1) % 3 + 1],
         '{"topic": "greetings"}'::jsonb
         ${hasTarget ? ', $5::int' : ''}
       FROM generate_series($3::int, $4::int) AS g`,
      [task.id, prefix, from, to, ...(hasTarget ? [task.judgmentsPerPair] : [])],
    );
    onBatch?.(to + 1);
  }
  await pool.query('ANALYZE pairs');
}
