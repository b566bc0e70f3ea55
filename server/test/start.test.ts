import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'anchor-start-'));

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

/** Runs the built server as `npm start` does, with an embedded database under dataDir and no DATABASE_URL. */
async function start(extraEnv: Record<string, string> = {}): Promise<Started> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ANCHOR_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extraEnv };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not become ready:\n${output}`)), 90_000);
    const check = () => {
      const match = /"url":"(http:\/\/localhost:\d+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output, url };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
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
    const tasks = (await (await fetch(`${first.url}/api/tasks`, { headers: { cookie } })).json()) as { tasks: Array<{ id: string; status: string }> };
    expect(tasks.tasks).toHaveLength(1);
    expect(tasks.tasks[0]!.status).toBe('active');
    const stats = (await (await fetch(`${first.url}/api/tasks/${tasks.tasks[0]!.id}/stats`, { headers: { cookie } })).json()) as { pairs: number };
    expect(stats.pairs).toBeGreaterThanOrEqual(24);
    const shell = await fetch(`${first.url}/rate/anything`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toMatch(/<div id="root">/);

    expect(await stop(first.child)).toBe(0);
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
    expect(await stop(second.child)).toBe(0);
  });

  it('recovers when a killed server left its database running', async () => {
    const first = await start();
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.on('exit', r));
    expect(postmasterRunning()).toBe(true);
    const second = await start();
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(await stop(second.child)).toBe(0);
    expect(postmasterRunning()).toBe(false);
  });
});
