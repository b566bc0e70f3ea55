import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './spawn-server.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'anchor-start-'));

/** Runs the built server as `npm start` does, with an embedded database under dataDir and no DATABASE_URL. */
function start(extraEnv: Record<string, string> = {}) {
  return spawnServer({ ANCHOR_DATA_DIR: dataDir, ...extraEnv });
}

function postmasterRunning(): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start with the embedded PostgreSQL', () => {
  it('starts, prints the first admin once, seeds the demo task, reuses its data, and stops cleanly on Ctrl-C', async () => {
    const first = await start();
    expect(first.output()).toMatch(/First admin: admin@anchor\.local/);
    const password = /Password:\s+(\S+)/.exec(first.output())![1]!;
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@anchor.local', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const tasks = (await (await fetch(`${first.url}/api/tasks`, { headers: { cookie } })).json()) as {
      tasks: Array<{ id: string; status: string }>;
    };
    expect(tasks.tasks).toHaveLength(1);
    expect(tasks.tasks[0]!.status).toBe('active');
    const stats = (await (
      await fetch(`${first.url}/api/tasks/${tasks.tasks[0]!.id}/stats`, { headers: { cookie } })
    ).json()) as { pairs: number };
    expect(stats.pairs).toBeGreaterThanOrEqual(24);
    const shell = await fetch(`${first.url}/rate/anything`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toMatch(/<div id="root">/);

    expect(await first.stop()).toBe(0);
    expect(first.output()).toMatch(/stopped cleanly/);
    expect(postmasterRunning()).toBe(false);

    const second = await start();
    expect(second.output()).not.toMatch(/First admin/);
    const again = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@anchor.local', password }),
    });
    expect(again.status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it('recovers when a killed server left its database running', async () => {
    const first = await start();
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.on('exit', r));
    expect(postmasterRunning()).toBe(true);
    const second = await start();
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(await second.stop()).toBe(0);
    expect(postmasterRunning()).toBe(false);
  });
});
