import type { TaskProgress } from '@anchor/shared';
import { formatCount } from '@/lib/format';
import { BarChart } from './bar-chart';
import { ProgressBar } from './progress-bar';
import { Stat } from './stat';

/** "12 min", "3 h 5 min", "under a minute"; null when there is no pace to go by. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return 'no pace yet';
  if (seconds === 0) return 'done';
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} days`;
}

export const minuteLabels = (count: number) =>
  Array.from({ length: count }, (_, i) => (i === count - 1 ? 'now' : `−${count - 1 - i} min`));

/** Bars and counters that `task:progress` keeps live; shared by the task page and the overview. */
export function ProgressCounters({ progress, compact }: { progress: Omit<TaskProgress, 'taskId'>; compact?: boolean }) {
  const perMinute = progress.judgmentsPerMinute;
  return (
    <div className={compact ? 'live-counters live-counters--compact' : 'live-counters'}>
      <p className="progress-summary">
        <strong>{formatCount(progress.completePairs)}</strong> of {formatCount(progress.pairs)} pairs complete
      </p>
      <ProgressBar label="Complete pairs" value={progress.completePairs} max={progress.pairs} />
      <p className="progress-summary">
        <strong>{formatCount(progress.judgments)}</strong> of {formatCount(progress.targetJudgments)} judgments
      </p>
      <ProgressBar label="Judgments of target" value={progress.judgments} max={progress.targetJudgments} />
      <div className="stats">
        <Stat label="Judgments" value={progress.judgments} testId="judgments-count" />
        {!compact && <Stat label="Complete pairs" value={progress.completePairs} testId="complete-pairs-count" />}
        <Stat label="Pairs" value={progress.pairs} testId="pairs-count" />
        <Stat label="Active raters" value={progress.activeRaters} testId="active-raters-count" />
        {!compact && <Stat label="Active leases" value={progress.activeLeases} testId="active-leases-count" />}
        <div className="stat">
          <output className="stat__value stat__value--text" aria-label="Time to completion" data-testid="eta">
            {formatEta(progress.etaSeconds)}
          </output>
          <span className="stat__label" aria-hidden="true">
            Time to completion
          </span>
        </div>
      </div>
      <BarChart
        label="Judgments per minute, last 10 minutes"
        valueLabel="Judgments"
        categories={minuteLabels(perMinute.length)}
        values={perMinute}
        height={compact ? 90 : 120}
      />
    </div>
  );
}
