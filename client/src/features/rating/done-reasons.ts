import type { DoneReason } from '@anchor/shared';

/** What a rater reads when there is nothing (more) for them, by the server's reason. */
export const doneMessages: Record<DoneReason, { title: string; body: string }> = {
  nothing_left_for_you: {
    title: 'You have judged everything available in this task',
    body: 'Thank you! Other raters are still working on the remaining pairs. Check back later for new ones.',
  },
  task_complete: {
    title: 'This task is complete',
    body: 'Every pair has all the judgments it needs. Thank you for your help!',
  },
  task_not_active: {
    title: 'This task is not open right now',
    body: 'An admin has paused or closed it. It will appear on your task list again when it reopens.',
  },
  not_eligible: {
    title: 'This task is meant for other raters',
    body: 'It asks for raters from particular countries or with particular languages. Your other tasks are on your task list.',
  },
  paused: {
    title: 'Your rating on this task is paused',
    body: 'Some of your answers on check questions differed from the expected ones, so an admin will review them first. You can still rate your other tasks.',
  },
  no_tasks: {
    title: 'No tasks for you right now',
    body: 'There is nothing to rate at the moment. New tasks appear on your task list as soon as an admin opens them.',
  },
};
