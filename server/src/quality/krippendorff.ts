/**
 * Krippendorff's alpha from a coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
 * The matrix is built where the data lives (SQL for tasks, `coincidences()` for tests); this module is pure.
 */
export type Metric = 'nominal' | 'ordinal' | 'interval' | 'ratio';

/** o[c][k] for the sorted distinct values; entries count pairable value pairs (each unit weighted 1/(m_u − 1)). */
export interface Coincidences {
  values: number[];
  o: number[][];
}

export interface CoincidenceEntry {
  c: number;
  k: number;
  o: number;
}

export function fromEntries(entries: readonly CoincidenceEntry[]): Coincidences {
  const values = [...new Set(entries.flatMap((e) => [e.c, e.k]))].sort((a, b) => a - b);
  const index = new Map(values.map((v, i) => [v, i]));
  const o = values.map(() => values.map(() => 0));
  for (const e of entries) o[index.get(e.c)!]![index.get(e.k)!]! += e.o;
  return { values, o };
}

/** Units × raters data (null = missing) → coincidences; units with fewer than two values are not pairable. */
export function coincidences(unitsValues: ReadonlyArray<ReadonlyArray<number>>): Coincidences {
  const entries: CoincidenceEntry[] = [];
  for (const unit of unitsValues) {
    const m = unit.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) if (i !== j) entries.push({ c: unit[i]!, k: unit[j]!, o: 1 / (m - 1) });
  }
  return fromEntries(entries);
}

/** Rater-major reliability data (rows = raters, columns = units, null = missing) → per-unit value lists. */
export function unitsFromReliabilityData(data: ReadonlyArray<ReadonlyArray<number | null>>): number[][] {
  const units = Math.max(0, ...data.map((r) => r.length));
  const out: number[][] = [];
  for (let u = 0; u < units; u++)
    out.push(data.map((r) => r[u]).filter((v): v is number => v !== null && v !== undefined));
  return out;
}

/** α straight from rater-major reliability data (rows = raters, columns = units, null = missing). */
export function alphaFromReliabilityData(
  data: ReadonlyArray<ReadonlyArray<number | null>>,
  metric: Metric,
): number | null {
  return krippendorffAlpha(coincidences(unitsFromReliabilityData(data)), metric);
}

/** α = 1 − D_o / D_e; null when it is undefined (fewer than two pairable values, or no variation at all). */
export function krippendorffAlpha({ values, o }: Coincidences, metric: Metric): number | null {
  const n_c = o.map((row) => row.reduce((a, b) => a + b, 0));
  const n = n_c.reduce((a, b) => a + b, 0);
  if (n <= 1) return null;
  const delta = distance(values, n_c, metric);
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < values.length; c++)
    for (let k = 0; k < values.length; k++) {
      const d = delta(c, k);
      observed += o[c]![k]! * d;
      expected += n_c[c]! * n_c[k]! * d;
    }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

function distance(values: number[], n_c: number[], metric: Metric): (c: number, k: number) => number {
  switch (metric) {
    case 'nominal':
      return (c, k) => (c === k ? 0 : 1);
    case 'interval':
      return (c, k) => (values[c]! - values[k]!) ** 2;
    case 'ratio':
      // For non-negative values only (a ratio scale has a true zero).
      return (c, k) => {
        const sum = values[c]! + values[k]!;
        return sum === 0 ? 0 : ((values[c]! - values[k]!) / sum) ** 2;
      };
    case 'ordinal':
      return (c, k) => {
        const [lo, hi] = c <= k ? [c, k] : [k, c];
        let sum = 0;
        for (let g = lo; g <= hi; g++) sum += n_c[g]!;
        return (sum - (n_c[c]! + n_c[k]!) / 2) ** 2;
      };
  }
}
