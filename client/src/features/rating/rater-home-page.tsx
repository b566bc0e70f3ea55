import { useId } from 'react';
import type { RaterTask } from '@anchor/shared';
import { ButtonLink, EmptyState, ErrorMessage, Loading, PageHeader, TextBlock } from '@/components/ui';
import { useTranslation } from '@/i18n';
import { useRaterTasks } from './use-rater-tasks';

function RaterTaskCard({ task }: { task: RaterTask }) {
  const { t } = useTranslation();
  const titleId = useId();
  return (
    <li className="card task-card">
      <h2 id={titleId} className="task-card__title" dir="auto">
        {task.name}
      </h2>
      <p className="task-card__meta">
        {t('home.judged', { count: task.judgedByMe })}
        {' · '}
        {task.available > 0 ? t('home.available', { count: task.available }) : t('home.nothingLeft')}
      </p>
      {task.instructions.trim() && <TextBlock text={task.instructions} className="task-card__instructions" />}
      <div className="task-card__actions">
        <ButtonLink to={`/rate/${task.id}`} variant="primary" aria-describedby={titleId}>
          {t('home.start')}
        </ButtonLink>
      </div>
    </li>
  );
}

/** The rater's landing page: the active tasks they may rate. */
export function RaterHomePage() {
  const { t } = useTranslation();
  const tasks = useRaterTasks();
  return (
    <>
      <PageHeader title={t('home.title')} description={t('home.description')} />
      {tasks.isPending && <Loading />}
      {tasks.isError && <ErrorMessage error={tasks.error} onRetry={() => void tasks.refetch()} />}
      {tasks.data?.length === 0 && (
        <EmptyState title={t('home.emptyTitle')}>
          <p>{t('home.emptyBody')}</p>
        </EmptyState>
      )}
      {tasks.data && tasks.data.length > 0 && (
        <ul className="task-cards">
          {tasks.data.map((task) => (
            <RaterTaskCard key={task.id} task={task} />
          ))}
        </ul>
      )}
    </>
  );
}
