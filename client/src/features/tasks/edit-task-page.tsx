import { useNavigate } from 'react-router';
import { ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { draftFromTask, TaskForm, type RenderMarkdown } from './task-form';
import { useTask, useUpdateTask } from './use-tasks';

/** The same form as a new task, filled in; saving sends every setting (the server checks them together). */
export function EditTaskPage({ taskId, renderMarkdown }: { taskId: string; renderMarkdown: RenderMarkdown }) {
  const navigate = useNavigate();
  const task = useTask(taskId);
  const update = useUpdateTask(taskId);
  if (task.isPending) return <Loading />;
  if (task.isError) return <ErrorMessage error={task.error} onRetry={() => void task.refetch()} />;
  const locked = task.data.status !== 'draft';
  return (
    <>
      <PageHeader
        title={`Edit ${task.data.name}`}
        description={
          task.data.status === 'active'
            ? 'Raters are working on this task: changes reach them with their next pair.'
            : 'Changes apply from the next pair each rater gets.'
        }
      />
      <TaskForm
        initial={draftFromTask(task.data)}
        submitLabel="Save changes"
        pendingLabel="Saving…"
        cancelTo={`/admin/tasks/${taskId}`}
        pending={update.isPending}
        error={update.error}
        scaleLocked={locked}
        renderMarkdown={renderMarkdown}
        onInvalid={() => update.reset()}
        onSubmit={(body) =>
          update.mutate(
            {
              ...body,
              rationale: { mode: body.rationale?.mode ?? 'optional', minLength: body.rationale?.minLength ?? 0 },
              // A task past draft keeps its number of points (the server refuses a change); its labels may change.
              ...(locked && body.scale ? { scale: { ...body.scale, points: task.data.scale.points } } : {}),
            },
            { onSuccess: () => void navigate(`/admin/tasks/${taskId}`) },
          )
        }
      />
    </>
  );
}
