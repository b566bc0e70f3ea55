import { Link } from 'react-router';
import { ButtonLink, EmptyState, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { TaskStatusBadge } from './task-status';
import { useTasks } from './use-tasks';

export function TaskListPage() {
  const tasks = useTasks();
  const newTask = (
    <ButtonLink to="/admin/tasks/new" variant="primary">
      New task
    </ButtonLink>
  );
  return (
    <>
      <PageHeader
        title="Tasks"
        description="Create tasks, import pairs and follow the judgments as they arrive."
        actions={newTask}
      />
      {tasks.isPending && <Loading />}
      {tasks.isError && <ErrorMessage error={tasks.error} onRetry={() => void tasks.refetch()} />}
      {tasks.data?.length === 0 && (
        <EmptyState title="No tasks yet">
          <p>A task holds the pairs of responses raters compare, and how many judgments each pair needs.</p>
        </EmptyState>
      )}
      {tasks.data && tasks.data.length > 0 && (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="table__number">
                  Scale
                </th>
                <th scope="col" className="table__number">
                  Judgments per pair
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((task) => (
                <tr key={task.id}>
                  <th scope="row">
                    <Link to={`/admin/tasks/${task.id}`}>{task.name}</Link>
                  </th>
                  <td>
                    <TaskStatusBadge status={task.status} />
                  </td>
                  <td className="table__number">{task.scale.points} points</td>
                  <td className="table__number">{task.judgmentsPerPair}</td>
                  <td>{formatDateTime(task.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
