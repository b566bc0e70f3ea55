import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { rssOf } from './stats.js';

/** The built server, as `npm start` runs it. */
const serverMain = fileURLToPath(new URL('../main.js', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const OUTPUT_KEEP_CHARS = 64_000;

export interface ServerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  rss(): number | undefined;
  /** The last lines the server wrote, for error messages. */
  output(): string;
  /** Error-level log lines (pino level ≥ 50) the server wrote since it started, counted by message. */
  errors(): Record<string, number>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  databaseUrl: string;
  adminEmail: string;
  adminPassword: string;
}

/**
 * Starts `node server/dist/main.js` as a child process on a free port and waits for its "Anchor is ready" log line
 * (pino JSON at info level: `"url":"http://localhost:<port>"`). The demo task is off; logs at info are only the
 * start-up lines and the few admin HTTP requests (socket events are not logged). Otherwise the defaults, as
 * `npm start` would run it (pool size, socket.io PostgreSQL adapter), except the socket event budget (below).
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: options.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ANCHOR_SEED_DEMO: 'false',
    ANCHOR_ADMIN_EMAIL: options.adminEmail,
    ANCHOR_ADMIN_PASSWORD: options.adminPassword,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    // The per-connection event budget guards against abusive clients; a closed-loop bench rater sends hundreds of
    // events a second (a person: one every few seconds), so the budget is off to measure the path, not the guard.
    ANCHOR_SOCKET_EVENTS_PER_SECOND: '0',
  };
  const child: ChildProcess = spawn(process.execPath, [serverMain], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_KEEP_CHARS) output = output.slice(-OUTPUT_KEEP_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const errors: Record<string, number> = {};
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!/"level":(5|6)\d/.test(line)) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        const message = [entry.msg, entry.err?.message].filter(Boolean).join(': ') || 'unknown';
        if (message in errors || Object.keys(errors).length < 20) errors[message] = (errors[message] ?? 0) + 1;
      } catch {
        // not pino JSON: ignore
      }
    }
  });
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const stop = async () => {
    if (exited) return;
    child.kill('SIGINT'); // graceful: drains sockets, closes its pool
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };
  const forget = onCleanup('server process', stop);
  // Backstop for an abrupt exit of the bench itself: never leave a server behind.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not become ready:\n${output}`)), READY_TIMEOUT_MS);
    const check = () => {
      const match = /"url":"http:\/\/[^"]*:(\d+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited before it was ready:\n${output}`));
    });
  }).catch(async (err: unknown) => {
    await forget();
    throw err;
  });

  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    rss: () => rssOf(child.pid!),
    output: () => output,
    errors: () => ({ ...errors }),
    async stop() {
      await forget();
      process.off('exit', killOnExit);
    },
  };
}
