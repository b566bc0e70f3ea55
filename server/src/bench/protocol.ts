/** Messages between the bench (parent) and its rater worker processes (`rater-worker.ts`), over the fork IPC channel. */

export interface ConnectCommand {
  type: 'connect';
  url: string;
  /** One `anchor_session=<secret>` cookie per simulated rater. */
  cookies: string[];
  /** Handshakes in flight at once in this worker. */
  parallel: number;
}

/**
 * How the raters of one worker behave.
 * - `closed`: next → submit at once, again and again (a rater who never thinks): throughput.
 * - `paced`: a random start offset in [0, thinkMs), then next → think (thinkMs ± 25%) → submit → next …: a human.
 */
export interface RunPlan {
  taskId: string;
  mode: 'closed' | 'paced';
  /** Activity before the measured window starts (not counted). */
  warmupMs: number;
  /** Length of the measured window; nothing new starts after it. */
  measureMs: number;
  thinkMs: number;
  /** Closed mode: each rater stops after this many judgments. */
  maxCalls?: number;
  /** The task's scale: choices are drawn from it with a slight left tilt, like people's. */
  scalePoints: number;
}

export interface RunCommand {
  type: 'run';
  plan: RunPlan;
}

export interface CloseCommand {
  type: 'close';
}

export type ToWorker = ConnectCommand | RunCommand | CloseCommand;

export interface ConnectReport {
  type: 'connected';
  connected: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface WorkerResult {
  /** Judgments whose submit was acknowledged inside the measured window. */
  judgments: number;
  /** Latencies in ms, inside the window: `assignment:next`, `judgment:submit`, and next + submit of one judgment. */
  next: number[];
  submit: number[];
  total: number[];
  /** Failures by code (`timeout`, `lease_expired`, …) and `done:<reason>` answers. */
  errors: Record<string, number>;
}

export interface ResultReport {
  type: 'result';
  result: WorkerResult;
}

export interface FatalReport {
  type: 'fatal';
  message: string;
}

export type FromWorker = ConnectReport | ResultReport | FatalReport;
