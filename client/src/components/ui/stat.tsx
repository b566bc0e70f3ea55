import { formatCount } from '@/lib/format';

interface StatProps {
  label: string;
  value: number;
  /** A stable hook for tests and monitoring scripts. */
  testId?: string;
}

/** A labelled live figure; `<output>` tells assistive technology the number is computed and may change. */
export function Stat({ label, value, testId }: StatProps) {
  return (
    <div className="stat">
      <output className="stat__value" aria-label={label} data-testid={testId}>
        {formatCount(value)}
      </output>
      <span className="stat__label" aria-hidden="true">
        {label}
      </span>
    </div>
  );
}
