/**
 * The admin pages, loaded on demand as one chunk (see router.tsx) so raters never download them. Each route reads
 * its URL and composes features; the features themselves stay independent of each other.
 */
import { useParams } from 'react-router';
import { useCurrentUser } from '@/features/auth/use-me';
import { ExportLinks } from '@/features/exports/export-links';
import { RatersPage } from '@/features/raters/raters-page';
import { CreateTaskPage } from '@/features/tasks/create-task-page';
import { TaskDetailPage } from '@/features/tasks/task-detail-page';
import { TaskListPage } from '@/features/tasks/task-list-page';

export function TaskListRoute() {
  return <TaskListPage />;
}

export function CreateTaskRoute() {
  return <CreateTaskPage />;
}

export function TaskDetailRoute() {
  const { id = '' } = useParams();
  // Keyed by id: moving between tasks starts from a clean slate (import result, status errors).
  return <TaskDetailPage key={id} taskId={id} exportsPanel={<ExportLinks taskId={id} />} />;
}

export function RatersRoute() {
  const user = useCurrentUser();
  return <RatersPage currentUserId={user.id} />;
}
