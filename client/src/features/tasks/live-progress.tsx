import type { TaskStats } from '@anchor/shared';
import { Card, ErrorMessage, Loading, ProgressBar } from '@/components/ui';
import { ProgressCounters } from '@/components/ui/live-counters';
import { formatCount } from '@/lib/format';
import { useTaskStats } from './use-task-stats';

const share = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
const alpha = (value: number | null) => (value === null ? '—' : value.toFixed(2));

function QualityFigures({ stats }: { stats: TaskStats }) {
  return (
    <div className="quality-figures">
      <h3 className="card__subtitle">Agreement and bias</h3>
      <dl className="settings">
        <dt>Krippendorff’s α (ordinal)</dt>
        <dd>{alpha(stats.agreement.alphaOrdinal)}</dd>
        <dt>Krippendorff’s α (nominal)</dt>
        <dd>{alpha(stats.agreement.alphaNominal)}</dd>
        <dt>Left response preferred</dt>
        <dd>
          {share(stats.positionBias.leftShare)}
          {stats.positionBias.leftShare !== null && Math.abs(stats.positionBias.leftShare - 0.5) > 0.1 && (
            <span className="warning-text"> (position bias?)</span>
          )}
        </dd>
        <dt>Raters so far</dt>
        <dd>{formatCount(stats.raters)}</dd>
        <dt>Raters paused by gold checks</dt>
        <dd>{formatCount(stats.pausedRaters)}</dd>
        <dt>Skips</dt>
        <dd>{formatCount(stats.skips)}</dd>
      </dl>
      {stats.quotaCoverage && stats.quotaCoverage.length > 0 && (
        <>
          <h3 className="card__subtitle">Coverage per rater group</h3>
          <ul className="coverage">
            {stats.quotaCoverage.map((group) => (
              <li key={group.group} className="coverage__item">
                <span className="coverage__label">
                  {group.group}: {formatCount(group.pairsMet)} of {formatCount(stats.pairs)} pairs have {group.required}{' '}
                  or more ({formatCount(group.judgments)} judgments)
                </span>
                <ProgressBar label={`Coverage of ${group.group}`} value={group.pairsMet} max={stats.pairs} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Completion, pace and quality of one task, updated live as raters judge. */
export function LiveProgress({ taskId }: { taskId: string }) {
  const stats = useTaskStats(taskId);
  return (
    <Card title="Progress" className="live-progress">
      {stats.isPending && <Loading />}
      {stats.isError && <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />}
      {stats.data && (
        <>
          <ProgressCounters progress={stats.data} />
          <QualityFigures stats={stats.data} />
        </>
      )}
    </Card>
  );
}
