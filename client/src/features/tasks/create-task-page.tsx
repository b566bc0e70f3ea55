import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Button, ButtonLink, Card, Field, PageHeader } from '@/components/ui';
import { fieldErrors, formErrorMessage } from '@/lib/api';
import { useCreateTask } from './use-tasks';

interface TaskDraft {
  name: string;
  instructions: string;
  judgmentsPerPair: string;
  scalePoints: string;
  leaseSeconds: string;
}

const initialDraft: TaskDraft = {
  name: '',
  instructions: '',
  judgmentsPerPair: '3',
  scalePoints: '5',
  leaseSeconds: '600',
};

/** Top-level body fields this form shows errors beside. */
const taskFormFields = ['name', 'instructions', 'judgmentsPerPair', 'scale', 'leaseSeconds'] as const;

/** Number inputs hold text; a blank or non-numeric one is caught here, and ranges are the server's to check. */
function wholeNumber(text: string): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) ? value : null;
}

export function CreateTaskPage() {
  const navigate = useNavigate();
  const createTask = useCreateTask();
  const [draft, setDraft] = useState(initialDraft);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const serverErrors = fieldErrors(createTask.error);
  const errorFor = (path: string) => localErrors[path] ?? serverErrors[path];

  const edit = (field: keyof TaskDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const judgmentsPerPair = wholeNumber(draft.judgmentsPerPair);
    const points = wholeNumber(draft.scalePoints);
    const leaseSeconds = wholeNumber(draft.leaseSeconds);
    const problems: Record<string, string> = {};
    if (judgmentsPerPair === null) problems.judgmentsPerPair = 'must be a whole number';
    if (points === null) problems['scale.points'] = 'must be a whole number';
    if (leaseSeconds === null) problems.leaseSeconds = 'must be a whole number';
    setLocalErrors(problems);
    if (judgmentsPerPair === null || points === null || leaseSeconds === null) {
      createTask.reset(); // the previous answer's errors no longer apply
      return;
    }
    createTask.mutate(
      { name: draft.name, instructions: draft.instructions, judgmentsPerPair, scale: { points }, leaseSeconds },
      { onSuccess: (task) => void navigate(`/admin/tasks/${task.id}`) },
    );
  };

  return (
    <>
      <PageHeader
        title="New task"
        description="A task starts as a draft: import its pairs, then activate it for raters."
      />
      <Card>
        <form className="form form--narrow" onSubmit={submit} noValidate>
          <Field label="Name" error={errorFor('name')}>
            {(control) => <input {...control} required maxLength={200} value={draft.name} onChange={edit('name')} />}
          </Field>
          <Field
            label="Instructions"
            hint="What raters should weigh when they compare two responses."
            error={errorFor('instructions')}
          >
            {(control) => (
              <textarea {...control} rows={6} dir="auto" value={draft.instructions} onChange={edit('instructions')} />
            )}
          </Field>
          <div className="form__row">
            <Field label="Judgments per pair" hint="1 to 50" error={errorFor('judgmentsPerPair')}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={1}
                  max={50}
                  inputMode="numeric"
                  value={draft.judgmentsPerPair}
                  onChange={edit('judgmentsPerPair')}
                />
              )}
            </Field>
            <Field label="Scale points" hint="2 (forced choice) to 9" error={errorFor('scale.points')}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={2}
                  max={9}
                  inputMode="numeric"
                  value={draft.scalePoints}
                  onChange={edit('scalePoints')}
                />
              )}
            </Field>
            <Field
              label="Lease seconds"
              hint="How long a rater holds a pair: 30 to 86400"
              error={errorFor('leaseSeconds')}
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={30}
                  max={86_400}
                  inputMode="numeric"
                  value={draft.leaseSeconds}
                  onChange={edit('leaseSeconds')}
                />
              )}
            </Field>
          </div>
          {createTask.isError && <Alert>{formErrorMessage(createTask.error, taskFormFields)}</Alert>}
          <div className="form__actions">
            <Button type="submit" variant="primary" disabled={createTask.isPending}>
              {createTask.isPending ? 'Creating…' : 'Create task'}
            </Button>
            <ButtonLink to="/admin/tasks" variant="ghost">
              Cancel
            </ButtonLink>
          </div>
        </form>
      </Card>
    </>
  );
}
