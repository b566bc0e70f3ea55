import type { ReactNode } from 'react';
import type { Task } from '@anchor/shared';
import { Alert, Button, ButtonLink, Card, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/format';
import { ImportPairs } from './import-pairs';
import type { RenderMarkdown } from './task-form';
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

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

function TaskSettings({ task }: { task: Task }) {
  const adaptive = task.minJudgments !== null && task.maxJudgments !== null;
  return (
    <Card
      title="Settings"
      actions={
        <ButtonLink size="small" to={`/admin/tasks/${task.id}/edit`}>
          Edit settings
        </ButtonLink>
      }
    >
      <dl className="settings">
        <dt>Judgments per pair</dt>
        <dd>{adaptive ? `${task.minJudgments} to ${task.maxJudgments} (adaptive)` : task.judgmentsPerPair}</dd>
        <dt>Scale</dt>
        <dd>
          {task.scale.points} points{task.scale.labels ? `: ${task.scale.labels.join(' · ')}` : ''}
        </dd>
        {task.criteria.length > 0 && (
          <>
            <dt>Criteria</dt>
            <dd>{task.criteria.map((c) => c.label).join('; ')}</dd>
          </>
        )}
        <dt>Rationale</dt>
        <dd>
          {task.rationale.mode}
          {task.rationale.mode === 'required' && task.rationale.minLength > 0
            ? `, at least ${task.rationale.minLength} characters`
            : ''}
        </dd>
        <dt>Lease</dt>
        <dd>{task.leaseSeconds} seconds</dd>
        <dt>Eligible</dt>
        <dd>
          {[
            task.eligibility.countries?.length ? `countries ${task.eligibility.countries.join(', ')}` : '',
            task.eligibility.languages?.length ? `languages ${task.eligibility.languages.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; ') || 'everyone'}
        </dd>
        {task.quota && (
          <>
            <dt>Quota</dt>
            <dd>
              by {task.quota.attribute}:{' '}
              {Object.entries(task.quota.groups)
                .map(([group, n]) => `${group} ${n}`)
                .join(', ')}
            </dd>
          </>
        )}
        <dt>Gold checks</dt>
        <dd>
          {task.goldRate > 0 ? percent(task.goldRate) : 'none'}
          {task.goldMinAccuracy !== null ? `, pause below ${percent(task.goldMinAccuracy)}` : ''}
        </dd>
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
  renderMarkdown: RenderMarkdown;
}

export function TaskDetailPage({ taskId, exportsPanel, renderMarkdown }: TaskDetailPageProps) {
  const task = useTask(taskId);
  if (task.isPending) return <Loading />;
  if (task.isError) return <ErrorMessage error={task.error} onRetry={() => void task.refetch()} />;
  const data = task.data;
  return (
    <>
      <PageHeader
        title={data.name}
        description={<TaskStatusBadge status={data.status} />}
        actions={
          <>
            <ButtonLink to={`/admin/tasks/${data.id}/preview`} variant="ghost">
              Preview as rater
            </ButtonLink>
            <ButtonLink to={`/admin/tasks/${data.id}/exports`} variant="ghost">
              Exports
            </ButtonLink>
            <StatusControls task={data} />
          </>
        }
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
              renderMarkdown(data.instructions)
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
