import type { ReactNode } from 'react';
import type { Task } from '@anchor/shared';
import { Alert, Button, Card, ErrorMessage, Loading, PageHeader, TextBlock } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/format';
import { ImportPairs } from './import-pairs';
import { LiveProgress } from './live-progress';
import { statusActions, TaskStatusBadge } from './task-status';
import { useTask, useUpdateTask } from './use-tasks';

function StatusControls({ task }: { task: Task }) {
  const update = useUpdateTask(task.id);
  return (
    <div className="status-controls">
      {statusActions[task.status].map((action) => (
        <Button
          key={action.to}
          variant={action.variant}
          disabled={update.isPending}
          onClick={() => {
            if (action.confirm && !window.confirm(action.confirm)) return;
            update.mutate({ status: action.to });
          }}
        >
          {action.label}
        </Button>
      ))}
      {update.isError && <Alert>{errorMessage(update.error)}</Alert>}
    </div>
  );
}

function TaskSettings({ task }: { task: Task }) {
  return (
    <Card title="Settings">
      <dl className="settings">
        <dt>Judgments per pair</dt>
        <dd>{task.judgmentsPerPair}</dd>
        <dt>Scale</dt>
        <dd>{task.scale.points} points</dd>
        <dt>Lease</dt>
        <dd>{task.leaseSeconds} seconds</dd>
        <dt>Created</dt>
        <dd>{formatDateTime(task.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatDateTime(task.updatedAt)}</dd>
      </dl>
    </Card>
  );
}

interface TaskDetailPageProps {
  taskId: string;
  /** The export links, composed in by the route so this feature does not depend on the exports feature. */
  exportsPanel: ReactNode;
}

export function TaskDetailPage({ taskId, exportsPanel }: TaskDetailPageProps) {
  const task = useTask(taskId);
  if (task.isPending) return <Loading />;
  if (task.isError) return <ErrorMessage error={task.error} onRetry={() => void task.refetch()} />;
  const data = task.data;
  return (
    <>
      <PageHeader
        title={data.name}
        description={<TaskStatusBadge status={data.status} />}
        actions={<StatusControls task={data} />}
      />
      <div className="detail-grid">
        <div className="detail-grid__main">
          <LiveProgress taskId={data.id} />
          {data.status === 'archived' ? (
            <Card title="Import pairs">
              <p>This task is archived, so it takes no new pairs.</p>
            </Card>
          ) : (
            <ImportPairs taskId={data.id} />
          )}
          <Card title="Instructions">
            {data.instructions.trim() ? (
              <TextBlock text={data.instructions} />
            ) : (
              <p className="muted">No instructions yet.</p>
            )}
          </Card>
        </div>
        <div className="detail-grid__side">
          {exportsPanel}
          <TaskSettings task={data} />
        </div>
      </div>
    </>
  );
}
