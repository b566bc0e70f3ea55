import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useLayoutEffect, useState } from 'react';
import { Alert, Button, ButtonLink, Card, EmptyState, Loading, PageHeader } from '@/components/ui';
import { useTranslation } from '@/i18n';
import { formatCount, formatTime } from '@/lib/format';
import { SUBMIT_MARK, JudgmentForm } from './judgment-form';
import { LeaseCountdown } from './lease-countdown';
import { Markdown } from './markdown';
import { PromptView } from './prompt-view';
import { fetchMyStats, myStatsQueryKey } from './rating-api';
import { ResponsePanel } from './response-panel';
import { useConnectionNotice } from './use-connection-notice';
import { useRaterTasks } from './use-rater-tasks';
import { useRatingSession } from './use-rating-session';

const HelpDialog = lazy(() => import('./help-dialog'));

/** Enter → next pair rendered, as performance measures the browser test reads (`anchor:enter-to-next`). */
function useEnterToNextMeasure(assignmentId: string | null) {
  useLayoutEffect(() => {
    const submitted = performance.getEntriesByName(SUBMIT_MARK, 'mark').at(-1);
    if (!assignmentId || !submitted) return;
    // Taken now: a quick next submit sets its own mark before this pair's paint is measured.
    performance.clearMarks(SUBMIT_MARK);
    const start = submitted.startTime;
    performance.measure('anchor:enter-to-next', { start });
    // And to the next frame, when the new pair has been painted.
    requestAnimationFrame(() => setTimeout(() => performance.measure('anchor:enter-to-next-paint', { start }), 0));
  }, [assignmentId]);
}

function instructionsSeenKey(taskId: string): string {
  return `anchor.instructionsSeen.${taskId}`;
}

/** First visit to a task (on this device): the instructions open by themselves. */
function firstVisit(taskId: string): boolean {
  try {
    if (localStorage.getItem(instructionsSeenKey(taskId))) return false;
    localStorage.setItem(instructionsSeenKey(taskId), new Date().toISOString());
    return true;
  } catch {
    return false;
  }
}

/**
 * Judgments made here since a query's data was fetched (the fetched figure already counts the earlier ones). Uses
 * React's "adjust state while rendering" pattern: the mark moves when the data does.
 */
function useCountSince(updatedAt: number, count: number): number {
  const [mark, setMark] = useState({ updatedAt, count });
  if (mark.updatedAt !== updatedAt) {
    setMark({ updatedAt, count });
    return 0;
  }
  return count - mark.count;
}

/** The rating screen for one task: prompt, the two responses side by side, the scale, and everything around it. */
export function JudgingPage({ taskId }: { taskId: string }) {
  const { t } = useTranslation();
  const session = useRatingSession(taskId);
  const connection = useConnectionNotice();
  const tasks = useRaterTasks();
  const task = tasks.data?.find((candidate) => candidate.id === taskId);
  const stats = useQuery({ queryKey: myStatsQueryKey, queryFn: fetchMyStats, staleTime: 60_000 });
  const [instructionsOpen, setInstructionsOpen] = useState(() => firstVisit(taskId));
  const [helpOpen, setHelpOpen] = useState(false);
  const { state } = session;
  const assignment = state.status === 'rating' ? state.assignment : null;
  useEnterToNextMeasure(assignment?.id ?? null);
  const instructions = assignment?.instructions ?? task?.instructions ?? '';

  const sinceStats = useCountSince(stats.dataUpdatedAt, session.judgedHere);
  const sinceTasks = useCountSince(tasks.dataUpdatedAt, session.judgedHere);
  const progress = [
    { label: t('judging.progress.today'), value: stats.data ? stats.data.judgedToday + sinceStats : null },
    { label: t('judging.progress.inTask'), value: task ? task.judgedByMe + sinceTasks : null },
    { label: t('judging.progress.left'), value: task ? Math.max(0, task.available - sinceTasks) : null },
  ];

  return (
    <div className="judging">
      <PageHeader
        title={task?.name ?? t('judging.fallbackTitle')}
        description={assignment && <LeaseCountdown key={assignment.id} expiresAt={assignment.expiresAt} />}
        actions={
          <ButtonLink to="/rate" variant="ghost">
            {t('judging.allTasks')}
          </ButtonLink>
        }
      />
      <dl className="progress-strip" aria-label={t('judging.progress.label')}>
        {progress.map((p) => (
          <div key={p.label} className="progress-strip__item">
            <dt>{p.label}</dt>
            <dd>{p.value === null ? '…' : formatCount(p.value)}</dd>
          </div>
        ))}
      </dl>

      {connection === 'lost' && <Alert tone="info">{t('judging.notices.connectionLost')}</Alert>}
      {connection === 'restored' && <Alert tone="success">{t('judging.notices.connectionRestored')}</Alert>}
      {session.notice && <Alert tone="info">{session.notice}</Alert>}
      {session.outbox.length > 0 && (
        <div className="outbox" role="status">
          <p className="outbox__title">{t('judging.pending.title', { count: session.outbox.length })}</p>
          <ul className="outbox__list">
            {session.outbox.map((entry) => (
              <li key={entry.key}>
                {t('judging.pending.item', { time: formatTime(new Date(entry.createdAt).toISOString()) })}
              </li>
            ))}
          </ul>
        </div>
      )}

      {instructions.trim() && (
        <section className="instructions" aria-labelledby="instructions-heading">
          <div className="instructions__header">
            <h2 id="instructions-heading" className="instructions__title">
              {t('judging.instructions')}
            </h2>
            <Button
              size="small"
              variant="ghost"
              aria-expanded={instructionsOpen}
              aria-controls="instructions-body"
              aria-keyshortcuts="I"
              onClick={() => setInstructionsOpen((open) => !open)}
            >
              {instructionsOpen ? t('judging.hideInstructions') : t('judging.showInstructions')} <kbd>I</kbd>
            </Button>
          </div>
          <div id="instructions-body" hidden={!instructionsOpen}>
            <Markdown text={instructions} />
          </div>
        </section>
      )}

      {state.status === 'loading' && <Loading label={t('judging.finding')} />}

      {state.status === 'waiting' && (
        <Alert tone="info" title={t('judging.waiting.title')}>
          <p>{t('judging.waiting.body')}</p>
        </Alert>
      )}

      {state.status === 'failed' && (
        <Alert title={t('judging.couldNotGet')}>
          <p>{state.message}</p>
          <Button size="small" onClick={session.reload}>
            {t('judging.tryAgain')}
          </Button>
        </Alert>
      )}

      {state.status === 'done' && (
        <EmptyState title={t(`done.${state.reason}.title`)}>
          <p>{t(`done.${state.reason}.body`)}</p>
          <ButtonLink to="/rate" variant="primary">
            {t('judging.backToTasks')}
          </ButtonLink>
        </EmptyState>
      )}

      {assignment && (
        <>
          <Card title={t('judging.prompt')} className="prompt">
            <PromptView prompt={assignment.prompt} lang={assignment.language} />
          </Card>
          <div className="responses">
            <ResponsePanel side="left" text={assignment.left.text} lang={assignment.language} />
            <ResponsePanel side="right" text={assignment.right.text} lang={assignment.language} />
          </div>
          <JudgmentForm
            key={assignment.id}
            assignment={assignment}
            pending={session.pending}
            actionError={session.actionError}
            onSubmit={(judgment) => void session.submit(judgment)}
            onSkip={(reason) => void session.skip(reason)}
            onToggleInstructions={() => setInstructionsOpen((open) => !open)}
            onHelp={() => setHelpOpen(true)}
          />
        </>
      )}

      {helpOpen && (
        <Suspense fallback={null}>
          <HelpDialog points={assignment?.scale.points ?? 5} onClose={() => setHelpOpen(false)} />
        </Suspense>
      )}
    </div>
  );
}
