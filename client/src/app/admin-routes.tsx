/**
 * The admin pages, loaded on demand as one chunk (see router.tsx) so raters never download them. Each route reads
 * its URL and composes features; the features themselves stay independent of each other.
 */
import { useState } from 'react';
import { useParams } from 'react-router';
import type { Assignment } from '@anchor/shared';
import { Card } from '@/components/ui';
import { AuditLogPage } from '@/features/audit/audit-page';
import { useCurrentUser } from '@/features/auth/use-me';
import { ExportLinks } from '@/features/exports/export-links';
import { ExportsPage } from '@/features/exports/exports-page';
import { OverviewPage } from '@/features/overview/overview-page';
import { RaterDetailPage } from '@/features/raters/rater-detail-page';
import { RatersPage } from '@/features/raters/raters-page';
import { JudgmentForm } from '@/features/rating/judgment-form';
import { Markdown } from '@/features/rating/markdown';
import { PromptView } from '@/features/rating/prompt-view';
import { ResponsePanel } from '@/features/rating/response-panel';
import { CreateTaskPage } from '@/features/tasks/create-task-page';
import { EditTaskPage } from '@/features/tasks/edit-task-page';
import { TaskDetailPage } from '@/features/tasks/task-detail-page';
import { TaskListPage } from '@/features/tasks/task-list-page';
import { TaskPreviewPage } from '@/features/tasks/task-preview-page';
import { useTask } from '@/features/tasks/use-tasks';

/** The raters' Markdown renderer (no raw HTML, safe links only), for instructions in the task pages. */
const renderMarkdown = (text: string) => <Markdown text={text} />;

export function TaskListRoute() {
  return <TaskListPage />;
}

export function OverviewRoute() {
  return <OverviewPage />;
}

export function CreateTaskRoute() {
  return <CreateTaskPage renderMarkdown={renderMarkdown} />;
}

export function EditTaskRoute() {
  const { id = '' } = useParams();
  return <EditTaskPage key={id} taskId={id} renderMarkdown={renderMarkdown} />;
}

export function TaskDetailRoute() {
  const { id = '' } = useParams();
  // Keyed by id: moving between tasks starts from a clean slate (import result, status errors).
  return (
    <TaskDetailPage key={id} taskId={id} exportsPanel={<ExportLinks taskId={id} />} renderMarkdown={renderMarkdown} />
  );
}

/** The raters' judging screen around a previewed assignment; its actions only report what would have happened. */
function PreviewScreen({ assignment, onAction }: { assignment: Assignment; onAction: (what: string) => void }) {
  const [instructionsOpen, setInstructionsOpen] = useState(true);
  return (
    <div className="judging">
      {assignment.instructions.trim() && instructionsOpen && (
        <section className="instructions" aria-label="Instructions for raters">
          <Markdown text={assignment.instructions} />
        </section>
      )}
      <Card title="Prompt" className="prompt">
        <PromptView prompt={assignment.prompt} lang={assignment.language} />
      </Card>
      <div className="responses">
        <ResponsePanel side="left" text={assignment.left.text} lang={assignment.language} />
        <ResponsePanel side="right" text={assignment.right.text} lang={assignment.language} />
      </div>
      <JudgmentForm
        assignment={assignment}
        pending={null}
        actionError={null}
        onSubmit={() => onAction('this judgment')}
        onSkip={() => onAction('this skip')}
        onToggleInstructions={() => setInstructionsOpen((open) => !open)}
        onHelp={() => onAction('help')}
      />
    </div>
  );
}

export function TaskPreviewRoute() {
  const { id = '' } = useParams();
  return (
    <TaskPreviewPage
      key={id}
      taskId={id}
      renderJudgingScreen={(assignment, onAction) => <PreviewScreen assignment={assignment} onAction={onAction} />}
    />
  );
}

export function TaskExportsRoute() {
  const { id = '' } = useParams();
  const task = useTask(id);
  return <ExportsPage key={id} taskId={id} taskName={task.data?.name ?? ''} />;
}

export function RatersRoute() {
  const user = useCurrentUser();
  return <RatersPage currentUserId={user.id} />;
}

export function RaterDetailRoute() {
  const { id = '' } = useParams();
  const user = useCurrentUser();
  return <RaterDetailPage key={id} userId={id} currentUserId={user.id} />;
}

export function AuditRoute() {
  return <AuditLogPage />;
}
