/**
 * Seeded randomness for the bootstrap: the same seed gives the same intervals on every run and every node.
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator, PractRand-clean) seeded through a splitmix-style mixer;
 * binomial variates by inversion (small means) or Hörmann's BTRS transformed rejection (1993), as in TensorFlow and
 * PyTorch; multinomials as a chain of conditional binomials, so resampling N judgments costs O(cells), not O(N).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on the open interval (0, 1), with 53 random bits: never exactly 0 or 1, so logs stay finite. */
  uniform(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }
}

/** A Binomial(n, p) variate. */
export function binomial(n: number, p: number, rng: Random): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, rng);
  return n * p < 10 ? binomialInversion(n, p, rng) : binomialBtrs(n, p, rng);
}

/** Counts the geometric waiting times that fit in n trials: O(np) expected uniforms. */
function binomialInversion(n: number, p: number, rng: Random): number {
  const logQ = Math.log1p(-p);
  let trials = 0;
  let successes = 0;
  for (;;) {
    trials += Math.ceil(Math.log(rng.uniform()) / logQ);
    if (trials > n) return successes;
    successes++;
  }
}

/** log(k!) − Stirling's approximation of it, tabulated for k ≤ 9 (Hörmann 1993). */
const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];
function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k]!;
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

/** W. Hörmann, "The generation of binomial random variates" (1993), algorithm BTRS; needs p ≤ 0.5 and np ≥ 10. */
function binomialBtrs(n: number, p: number, rng: Random): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = rng.uniform() - 0.5;
    const v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    const logV = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (logV <= bound) return k;
  }
}

/**
 * Draws n items with replacement from cells holding `counts` items each, and returns how many came from each cell:
 * Multinomial(n, counts / Σcounts), exactly what resampling the underlying items would give.
 */
export function multinomial(n: number, counts: readonly number[], rng: Random): number[] {
  const out = counts.map(() => 0);
  let remaining = n;
  let mass = counts.reduce((s, c) => s + c, 0);
  for (let i = 0; i < counts.length && remaining > 0; i++) {
    if (i === counts.length - 1) {
      out[i] = remaining;
      break;
    }
    const x = binomial(remaining, mass > 0 ? Math.min(1, counts[i]! / mass) : 0, rng);
    out[i] = x;
    remaining -= x;
    mass -= counts[i]!;
  }
  return out;
}

/** The q-quantile (0..1) of sorted values, interpolating linearly between order statistics (numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
