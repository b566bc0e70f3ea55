import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import type { ConnectReport, FromWorker, RunPlan, ToWorker, WorkerResult } from './protocol.js';

const workerMain = fileURLToPath(new URL('./rater-worker.js', import.meta.url));

export interface ConnectStats {
  connected: number;
  failed: number;
  /** Wall time until every worker had connected all its raters. */
  ms: number;
  firstError?: string;
}

/**
 * Simulated raters spread over `workers` forked processes (each socket.io client is real: its own websocket,
 * handshake with the rater's session cookie, acknowledged events), so the load generator is not one event loop.
 */
export class RaterPool {
  private constructor(
    private readonly children: ChildProcess[],
    private readonly forget: () => Promise<void>,
    readonly connect: ConnectStats,
  ) {}

  static async start(options: { url: string; cookies: string[]; workers: number }): Promise<RaterPool> {
    const workers = Math.max(1, Math.min(options.workers, options.cookies.length));
    const children = Array.from({ length: workers }, () =>
      fork(workerMain, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const kill = () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    };
    process.on('exit', kill);
    const forget = onCleanup('rater workers', async () => {
      process.off('exit', kill);
      await Promise.all(children.map((c) => closeWorker(c)));
    });
    try {
      const started = Date.now();
      const reports = await Promise.all(
        children.map((child, w) => {
          const cookies = options.cookies.filter((_, i) => i % workers === w);
          // Each worker opens a few handshakes at a time: the server checks each session in the database.
          return ask<ConnectReport>(child, { type: 'connect', url: options.url, cookies, parallel: 25 }, 'connected');
        }),
      );
      const firstError = reports.find((r) => r.firstError)?.firstError;
      const stats: ConnectStats = {
        connected: reports.reduce((n, r) => n + r.connected, 0),
        failed: reports.reduce((n, r) => n + r.failed, 0),
        ms: Date.now() - started,
        ...(firstError ? { firstError } : {}),
      };
      return new RaterPool(children, forget, stats);
    } catch (err) {
      await forget();
      throw err;
    }
  }

  /** Runs the plan in every worker at once and merges their results. */
  async run(plan: RunPlan): Promise<WorkerResult> {
    const results = await Promise.all(
      this.children.map((c) => ask<{ type: 'result'; result: WorkerResult }>(c, { type: 'run', plan }, 'result')),
    );
    const merged: WorkerResult = { judgments: 0, next: [], submit: [], total: [], errors: {} };
    for (const { result } of results) {
      merged.judgments += result.judgments;
      for (const key of ['next', 'submit', 'total'] as const) for (const v of result[key]) merged[key].push(v);
      for (const [code, n] of Object.entries(result.errors)) merged.errors[code] = (merged.errors[code] ?? 0) + n;
    }
    return merged;
  }

  close(): Promise<void> {
    return this.forget();
  }
}

/** Sends a command and waits for the worker's answer of the given type; a fatal report or an exit rejects. */
function ask<T extends FromWorker>(child: ChildProcess, command: ToWorker, answer: T['type']): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      if (message.type === answer) {
        done();
        resolve(message as T);
      } else if (message.type === 'fatal') {
        done();
        reject(new Error(`rater worker failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`rater worker exited (${code}) before answering ${command.type}`));
    };
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(command);
  });
}

async function closeWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    child.send({ type: 'close' } satisfies ToWorker);
  } catch {
    child.kill('SIGKILL');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
