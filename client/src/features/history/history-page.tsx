import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { MyJudgment, MyStats } from '@anchor/shared';
import { Button, EmptyState, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { useTranslation } from '@/i18n';
import { apiJson } from '@/lib/api';
import { formatCount, formatDateTime } from '@/lib/format';
import { fetchMyJudgments, myJudgmentsQueryKey } from './history-api';

// Scale wording lives with the rating feature; history keeps its own copy of the arithmetic to stay independent.
function choiceText(t: ReturnType<typeof useTranslation>['t'], choice: number, points: number): string {
  if (choice === 0) return t('scale.tie');
  const half = Math.floor(points / 2);
  const n = Math.abs(choice);
  const strengths: Record<number, readonly string[]> = {
    1: ['better'],
    2: ['slightly', 'much'],
    3: ['slightly', 'better', 'much'],
    4: ['slightly', 'somewhat', 'clearly', 'much'],
  };
  const key = strengths[half]?.[n - 1] as 'better' | 'slightly' | 'somewhat' | 'clearly' | 'much' | undefined;
  const strength = key ? t(`scale.strength.${key}`) : t('scale.strength.nth', { n: String(n), of: String(half) });
  return choice < 0 ? t('scale.left', { strength }) : t('scale.right', { strength });
}

function seconds(t: ReturnType<typeof useTranslation>['t'], ms: number | null): string {
  return ms === null ? t('history.none') : t('history.seconds', { value: (ms / 1000).toFixed(1) });
}

function JudgmentItem({ judgment }: { judgment: MyJudgment }) {
  const { t } = useTranslation();
  return (
    <li className="card history-item">
      <p className="history-item__meta">
        <span dir="auto">{judgment.taskName}</span> ·{' '}
        <time dateTime={judgment.createdAt}>{formatDateTime(judgment.createdAt)}</time>
      </p>
      <p className="history-item__prompt" dir="auto">
        {judgment.promptExcerpt}
      </p>
      <dl className="history-item__facts">
        <div>
          <dt>{t('history.choice')}</dt>
          <dd>{choiceText(t, judgment.choice, judgment.scalePoints)}</dd>
        </div>
        <div>
          <dt>{t('history.time')}</dt>
          <dd>{seconds(t, judgment.timeMs)}</dd>
        </div>
        {judgment.flags.length > 0 && (
          <div>
            <dt>{t('history.flags')}</dt>
            <dd>
              {judgment.flags
                .map((f) =>
                  t(
                    `form.flag.${f as 'harmful' | 'factually_wrong' | 'culturally_inappropriate' | 'off_language' | 'cannot_judge'}`,
                  ),
                )
                .join(', ')}
            </dd>
          </div>
        )}
        {judgment.rationale && (
          <div className="history-item__rationale">
            <dt>{t('history.rationale')}</dt>
            <dd dir="auto">{judgment.rationale}</dd>
          </div>
        )}
      </dl>
    </li>
  );
}

/** The rater's own judgments (never anyone else's) and their figures. */
export function HistoryPage() {
  const { t } = useTranslation();
  const stats = useQuery({
    queryKey: ['me', 'stats', 'history'],
    queryFn: async () => (await apiJson<{ stats: MyStats }>('/api/me/stats')).stats,
  });
  const judgments = useInfiniteQuery({
    queryKey: myJudgmentsQueryKey,
    queryFn: ({ pageParam }) => fetchMyJudgments(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = judgments.data?.pages.flatMap((p) => p.judgments) ?? [];
  return (
    <>
      <PageHeader title={t('history.title')} description={t('history.description')} />
      <section className="card" aria-labelledby="figures-heading">
        <h2 id="figures-heading" className="card__title">
          {t('history.figures')}
        </h2>
        {stats.isError && <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />}
        {stats.data && (
          <dl className="progress-strip" data-testid="my-figures">
            {[
              [t('history.total'), formatCount(stats.data.judgments)],
              [t('history.today'), formatCount(stats.data.judgedToday)],
              [t('history.median'), seconds(t, stats.data.medianTimeMs)],
              [t('history.skips'), formatCount(stats.data.skips)],
            ].map(([label, value]) => (
              <div key={label} className="progress-strip__item">
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
      {judgments.isPending && <Loading />}
      {judgments.isError && <ErrorMessage error={judgments.error} onRetry={() => void judgments.refetch()} />}
      {judgments.isSuccess && items.length === 0 && <EmptyState title={t('history.empty')} />}
      {items.length > 0 && (
        <ul className="history-list">
          {items.map((j) => (
            <JudgmentItem key={j.id} judgment={j} />
          ))}
        </ul>
      )}
      {judgments.hasNextPage && (
        <Button onClick={() => void judgments.fetchNextPage()} disabled={judgments.isFetchingNextPage}>
          {judgments.isFetchingNextPage ? t('history.loadingMore') : t('history.more')}
        </Button>
      )}
    </>
  );
}
