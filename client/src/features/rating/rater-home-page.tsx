import { useId } from 'react';
import type { RaterTask } from '@anchor/shared';
import { ButtonLink, EmptyState, ErrorMessage, Loading, PageHeader, TextBlock } from '@/components/ui';
import { plural } from '@/lib/format';
import { useRaterTasks } from './use-rater-tasks';

function RaterTaskCard({ task }: { task: RaterTask }) {
  const titleId = useId();
  return (
    <li className="card task-card">
      <h2 id={titleId} className="task-card__title">
        {task.name}
      </h2>
      <p className="task-card__meta">
        You have judged {plural(task.judgedByMe, 'pair')}
        {' · '}
        {task.available > 0 ? `${plural(task.available, 'pair')} available` : 'nothing left for you right now'}
      </p>
      {task.instructions.trim() && <TextBlock text={task.instructions} className="task-card__instructions" />}
      <div className="task-card__actions">
        <ButtonLink to={`/rate/${task.id}`} variant="primary" aria-describedby={titleId}>
          Start rating
        </ButtonLink>
      </div>
    </li>
  );
}

/** The rater's landing page: the active tasks they may rate. */
export function RaterHomePage() {
  const tasks = useRaterTasks();
  return (
    <>
      <PageHeader title="Your tasks" description="Pick a task, read its instructions, and start comparing responses." />
      {tasks.isPending && <Loading />}
      {tasks.isError && <ErrorMessage error={tasks.error} onRetry={() => void tasks.refetch()} />}
      {tasks.data?.length === 0 && (
        <EmptyState title="No tasks for you right now…">
          <p>When an admin opens a task you can rate, it appears here.</p>
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
