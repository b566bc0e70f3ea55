import { useEffect, useId, useRef } from 'react';
import type uPlot from 'uplot';

interface BarChartProps {
  /** What the chart shows, read as its accessible name ("Judgments per minute, last 10 minutes"). */
  label: string;
  /** Category labels along the x axis, one per value. */
  categories: string[];
  values: number[];
  /** Header of the value column in the text alternative. */
  valueLabel: string;
  height?: number;
}

/** uPlot is fetched only when a chart is first drawn, so it never weighs on pages without one. */
let uplotModule: Promise<typeof uPlot> | null = null;
function loadUplot(): Promise<typeof uPlot> {
  uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([m]) => (m as unknown as { default: typeof uPlot }).default,
  );
  return uplotModule;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * A small bar chart drawn with uPlot (canvas). The canvas is hidden from assistive technology; the same numbers are
 * in a visually hidden table, and the figure carries a one-line summary as its name.
 */
export function BarChart({ label, categories, values, valueLabel, height = 120 }: BarChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const captionId = useId();
  const total = values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...values);
  const summary = `${label}: ${total} in all, at most ${peak}, latest ${values.at(-1) ?? 0}.`;

  useEffect(() => {
    let cancelled = false;
    const element = host.current;
    if (!element) return;
    const data: uPlot.AlignedData = [values.map((_, i) => i), values];
    if (chart.current) {
      chart.current.setData(data);
      return;
    }
    void loadUplot().then((UPlot) => {
      if (cancelled || !host.current) return;
      const color = cssVar('--primary', '#1d4ed8');
      const text = cssVar('--text-muted', '#535a68');
      const grid = cssVar('--border', '#d9dde4');
      chart.current = new UPlot(
        {
          width: Math.max(200, element.clientWidth),
          height,
          legend: { show: false },
          cursor: { show: false },
          scales: {
            x: {
              time: false,
              range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min - 0.5, max + 0.5],
            },
            y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max)] },
          },
          axes: [
            {
              stroke: text,
              grid: { show: false },
              ticks: { show: false },
              // Whole steps only (one label per bar, or every 2nd, 5th… when narrow): a half step repeated labels.
              incrs: [1, 2, 5, 10, 20, 50],
              values: (_u: uPlot, splits: number[]) => splits.map((s) => categories[s] ?? ''),
              space: 56,
              size: 28, // uPlot's default (50) leaves a small chart almost no room for its bars
            },
            { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: 40 },
          ],
          series: [
            {},
            {
              label: valueLabel,
              stroke: color,
              fill: color,
              paths: UPlot.paths.bars?.({ size: [0.7, 40] }),
              points: { show: false },
            },
          ],
        },
        data,
        element,
      );
    });
    return () => {
      cancelled = true;
    };
    // The chart is built once; later renders only give it new data (above).
  }, [values, categories, height, valueLabel]);

  useEffect(() => {
    const element = host.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      chart.current?.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [height]);

  return (
    <figure className="chart" aria-labelledby={captionId}>
      <div ref={host} className="chart__canvas" aria-hidden="true" style={{ minHeight: height }} />
      <figcaption id={captionId} className="chart__caption">
        {summary}
      </figcaption>
      <table className="visually-hidden">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">{valueLabel}</th>
          </tr>
        </thead>
        <tbody>
          {values.map((value, i) => (
            <tr key={i}>
              <th scope="row">{categories[i]}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
