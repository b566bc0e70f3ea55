import { useNavigate } from 'react-router';
import { PageHeader } from '@/components/ui';
import { emptyTaskDraft, TaskForm, type RenderMarkdown } from './task-form';
import { useCreateTask } from './use-tasks';

export function CreateTaskPage({ renderMarkdown }: { renderMarkdown: RenderMarkdown }) {
  const navigate = useNavigate();
  const createTask = useCreateTask();
  return (
    <>
      <PageHeader
        title="New task"
        description="A task starts as a draft: import its pairs, then activate it for raters."
      />
      <TaskForm
        initial={emptyTaskDraft}
        submitLabel="Create task"
        pendingLabel="Creating…"
        cancelTo="/admin/tasks"
        pending={createTask.isPending}
        error={createTask.error}
        renderMarkdown={renderMarkdown}
        onInvalid={() => createTask.reset()}
        onSubmit={(body) => createTask.mutate(body, { onSuccess: (task) => void navigate(`/admin/tasks/${task.id}`) })}
      />
    </>
  );
}
