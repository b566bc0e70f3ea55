import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built server, as `npm start` runs it (`npm test` builds dist before vitest). */
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface SpawnedServer {
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** `http://localhost:<port>`, from the "Anchor is ready" log line. */
  url: string;
  /** SIGINT (Ctrl-C) and the exit code; an already exited process answers its code at once. */
  stop(): Promise<number | null>;
}

/**
 * Runs `node server/dist/main.js` with only PATH and `env` set, and resolves when it logs its URL. Rejects with the
 * output if it exits or is not ready within `readyTimeoutMs`.
 */
export async function spawnServer(env: Record<string, string>, readyTimeoutMs = 90_000): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not become ready:\n${output}`));
    }, readyTimeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/localhost:\d+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    url,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}
