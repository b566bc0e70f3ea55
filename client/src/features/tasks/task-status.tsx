import type { TaskStatus } from '@anchor/shared';
import { Badge, type BadgeTone, type ButtonVariant } from '@/components/ui';

const statusTones: Record<TaskStatus, BadgeTone> = {
  draft: 'neutral',
  active: 'positive',
  paused: 'warning',
  archived: 'muted',
};

const statusNames: Record<TaskStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  paused: 'Paused',
  archived: 'Archived',
};

export function TaskStatusBadge({ status }: { status: TaskStatus }) {
  return <Badge tone={statusTones[status]}>{statusNames[status]}</Badge>;
}

export interface StatusAction {
  label: string;
  to: TaskStatus;
  variant: ButtonVariant;
  /** Asked before a move that interrupts raters' work or cannot be undone. */
  confirm?: string;
}

const archive: StatusAction = {
  label: 'Archive',
  to: 'archived',
  variant: 'danger',
  confirm: 'Archive this task? Raters can no longer work on it and no pairs can be added. Exports stay available.',
};

/** The moves the server allows from each status (archived is final), as buttons. */
export const statusActions: Record<TaskStatus, StatusAction[]> = {
  draft: [{ label: 'Activate', to: 'active', variant: 'primary' }, archive],
  active: [
    {
      label: 'Pause',
      to: 'paused',
      variant: 'secondary',
      confirm:
        'Pause this task? Raters working on it are told at once and get no new pairs from it until you activate it again.',
    },
    archive,
  ],
  paused: [{ label: 'Activate', to: 'active', variant: 'primary' }, archive],
  archived: [],
};
