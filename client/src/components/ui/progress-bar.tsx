interface ProgressBarProps {
  label: string;
  value: number;
  max: number;
}

/** A labelled bar; an empty total reads as 0 %, not as NaN. */
export function ProgressBar({ label, value, max }: ProgressBarProps) {
  const share = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  const percent = Math.round(share * 1000) / 10;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={`${value} of ${max} (${percent}%)`}
    >
      <div className="progress__fill" style={{ inlineSize: `${share * 100}%` }} />
    </div>
  );
}
