/**
 * Dawid–Skene (A. P. Dawid and A. M. Skene, "Maximum likelihood estimation of observer error-rates using the EM
 * algorithm", Applied Statistics 28(1), 1979): each rater has a confusion matrix θ[k][l] = P(answers l | truth is k),
 * items have a latent true class with prior π, and EM estimates both. Initialised, as in the paper and in crowd-kit's
 * `DawidSkene`, with each item's vote shares (a soft majority vote: a 2–2 split starts at ½–½); counts are clipped at
 * 1e-10 before normalising, as crowd-kit does, so a rater's matrix has no zero for an answer the rater has given.
 * A rater's reliability is its accuracy under the model: Σ_k π_k θ[k][k].
 */

/** Parallel arrays, one entry per observation; items, workers and labels are dense indices from 0. */
export interface Observations {
  item: ArrayLike<number>;
  worker: ArrayLike<number>;
  label: ArrayLike<number>;
}

export interface DawidSkeneOptions {
  items: number;
  workers: number;
  classes: number;
  /** EM rounds after the initialisation; 0 gives the majority-vote start and its M-step. */
  maxIterations?: number;
  /** Stop when no item's posterior moves by more than this in a round. */
  tolerance?: number;
}

export interface DawidSkeneResult {
  priors: number[];
  /** confusion[worker][true class][answered class]. */
  confusion: number[][][];
  /** posteriors[item][class]. */
  posteriors: number[][];
  /** Most probable class per item (the first on a tie). */
  labels: number[];
  /** Per worker, Σ_k π_k · θ[k][k]. */
  accuracy: number[];
  iterations: number;
  converged: boolean;
}

const CLIP = 1e-10;

export function dawidSkene(obs: Observations, options: DawidSkeneOptions): DawidSkeneResult {
  const { items, workers, classes: K } = options;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const n = obs.item.length;
  if (n === 0 || items === 0) {
    const empty = { priors: [], posteriors: [], labels: [], iterations: 0, converged: true };
    return {
      ...empty,
      confusion: Array.from({ length: workers }, () => []),
      accuracy: new Array<number>(workers).fill(NaN),
    };
  }

  // Soft majority vote.
  let T = new Float64Array(items * K);
  const perItem = new Float64Array(items);
  for (let o = 0; o < n; o++) {
    T[obs.item[o]! * K + obs.label[o]!]! += 1;
    perItem[obs.item[o]!]! += 1;
  }
  for (let i = 0; i < items; i++)
    for (let k = 0; k < K; k++) T[i * K + k] = perItem[i]! > 0 ? T[i * K + k]! / perItem[i]! : 1 / K;

  const used = new Uint8Array(workers * K);
  for (let o = 0; o < n; o++) used[obs.worker[o]! * K + obs.label[o]!] = 1;

  const priorsOf = (t: Float64Array) => {
    const pi = new Float64Array(K);
    for (let i = 0; i < items; i++) for (let k = 0; k < K; k++) pi[k]! += t[i * K + k]!;
    return pi.map((x) => x / items);
  };
  /** theta[(w * K + k) * K + l] */
  const mStep = (t: Float64Array) => {
    const theta = new Float64Array(workers * K * K);
    for (let o = 0; o < n; o++) {
      const base = obs.worker[o]! * K * K;
      for (let k = 0; k < K; k++) theta[base + k * K + obs.label[o]!]! += t[obs.item[o]! * K + k]!;
    }
    for (let w = 0; w < workers; w++)
      for (let k = 0; k < K; k++) {
        let sum = 0;
        for (let l = 0; l < K; l++) {
          const at = (w * K + k) * K + l;
          if (used[w * K + l]) theta[at] = Math.max(theta[at]!, CLIP);
          sum += theta[at]!;
        }
        if (sum > 0) for (let l = 0; l < K; l++) theta[(w * K + k) * K + l]! /= sum;
      }
    return theta;
  };
  const eStep = (pi: Float64Array, theta: Float64Array) => {
    const logL = new Float64Array(items * K);
    for (let i = 0; i < items; i++) for (let k = 0; k < K; k++) logL[i * K + k] = Math.log(pi[k]!);
    const logTheta = theta.map(Math.log); // once per round, not once per observation
    for (let o = 0; o < n; o++) {
      const base = obs.worker[o]! * K * K;
      for (let k = 0; k < K; k++) logL[obs.item[o]! * K + k]! += logTheta[base + k * K + obs.label[o]!]!;
    }
    const next = new Float64Array(items * K);
    for (let i = 0; i < items; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, logL[i * K + k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += next[i * K + k] = Math.exp(logL[i * K + k]! - max);
      for (let k = 0; k < K; k++) next[i * K + k]! /= sum;
    }
    return next;
  };

  let pi = priorsOf(T);
  let theta = mStep(T);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const next = eStep(pi, theta);
    pi = priorsOf(next);
    theta = mStep(next);
    let change = 0;
    for (let x = 0; x < next.length; x++) change = Math.max(change, Math.abs(next[x]! - T[x]!));
    T = next;
    iterations++;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }

  const confusion = Array.from({ length: workers }, (_, w) =>
    Array.from({ length: K }, (_, k) => Array.from(theta.subarray((w * K + k) * K, (w * K + k + 1) * K))),
  );
  const posteriors = Array.from({ length: items }, (_, i) => Array.from(T.subarray(i * K, (i + 1) * K)));
  const labels = posteriors.map((row) => row.indexOf(Math.max(...row)));
  const accuracy = confusion.map((m) => m.reduce((s, row, k) => s + pi[k]! * row[k]!, 0));
  return { priors: Array.from(pi), confusion, posteriors, labels, accuracy, iterations, converged };
}

/** Packs observations into growable typed arrays: 12 bytes each instead of a JS object per judgment. */
export class ObservationBuffer {
  private size = 0;
  private items = new Int32Array(1024);
  private workers = new Int32Array(1024);
  private labels = new Int32Array(1024);

  push(item: number, worker: number, label: number): void {
    if (this.size === this.items.length) {
      const grow = (a: Int32Array) => {
        const next = new Int32Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.items = grow(this.items);
      this.workers = grow(this.workers);
      this.labels = grow(this.labels);
    }
    this.items[this.size] = item;
    this.workers[this.size] = worker;
    this.labels[this.size] = label;
    this.size++;
  }

  get length(): number {
    return this.size;
  }

  observations(): Observations {
    return {
      item: this.items.subarray(0, this.size),
      worker: this.workers.subarray(0, this.size),
      label: this.labels.subarray(0, this.size),
    };
  }
}
