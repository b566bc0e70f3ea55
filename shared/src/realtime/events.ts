import type { ErrorBody } from '../errors.js';
import type {
  Assignment,
  DoneReason,
  NextAssignmentRequest,
  SkipAssignmentRequest,
  SubmitJudgmentRequest,
} from '../schemas/assignments.js';
import type { Task, TaskProgress } from '../schemas/tasks.js';

export type Failure = { ok: false; error: ErrorBody };

export type NextAssignment = { assignment: Assignment } | { done: true; reason: DoneReason };
export type NextAssignmentResult = NextAssignment | Failure;
/** `next` (extension) answers a request's `next`; absent when not asked for or when finding it failed. */
export type SubmitJudgmentResult = { ok: true; judgmentId: string; next?: NextAssignment } | Failure;
export type SkipAssignmentResult = { ok: true; next?: NextAssignment } | Failure;

/** The socket contract, declared once: the server and the client are both typed from it. */
export interface ClientToServerEvents {
  'assignment:next': (request: NextAssignmentRequest, ack: (result: NextAssignmentResult) => void) => void;
  'judgment:submit': (request: SubmitJudgmentRequest, ack: (result: SubmitJudgmentResult) => void) => void;
  'assignment:skip': (request: SkipAssignmentRequest, ack: (result: SkipAssignmentResult) => void) => void;
}

export interface ServerToClientEvents {
  'assignment:expired': (payload: { assignmentId: string }) => void;
  'task:updated': (payload: { task: Task }) => void;
  'task:progress': (payload: TaskProgress) => void;
  /** To admins: a rater was paused in a task because their gold accuracy fell below the task's bar. */
  'rater:paused': (payload: {
    taskId: string;
    raterId: string;
    goldAccuracy: number;
    goldAnswered: number;
    reason: string;
  }) => void;
  /** Sent before the server closes a socket on purpose (disabled user, shutdown). */
  'session:ended': (payload: { reason: 'disabled' | 'logged_out' | 'shutdown' }) => void;
}
