import { useState, type FormEvent, type ReactNode } from 'react';
import {
  defaultRationale,
  rationaleModes,
  scaleChoices,
  scaleHalf,
  type CreateTaskBody,
  type Criterion,
  type RationaleMode,
  type Task,
} from '@anchor/shared';
import { Alert, Button, ButtonLink, Card, Field } from '@/components/ui';
import { fieldErrors, formErrorMessage } from '@/lib/api';

/** Renders the instructions' Markdown safely; composed in by the route (the rating feature owns the renderer). */
export type RenderMarkdown = (text: string) => ReactNode;

interface CriterionDraft {
  id: string;
  label: string;
  points: string;
}

export interface TaskDraft {
  name: string;
  instructions: string;
  scalePoints: string;
  customLabels: boolean;
  scaleLabels: string[];
  redundancy: 'fixed' | 'adaptive';
  judgmentsPerPair: string;
  minJudgments: string;
  maxJudgments: string;
  leaseSeconds: string;
  assignmentOrder: 'finish_first' | 'random';
  countries: string;
  languages: string;
  rationaleMode: RationaleMode;
  rationaleMinLength: string;
  goldRatePercent: string;
  goldMinAccuracyPercent: string;
  goldMinAnswers: string;
  criteria: CriterionDraft[];
  quotaAttribute: string;
  quotaGroups: string;
}

/** The draft's fields typed as numbers in the form. */
type NumberDraftKey =
  | 'judgmentsPerPair'
  | 'minJudgments'
  | 'maxJudgments'
  | 'leaseSeconds'
  | 'rationaleMinLength'
  | 'goldRatePercent'
  | 'goldMinAccuracyPercent'
  | 'goldMinAnswers';

const strengthsByHalf: Record<number, readonly string[]> = {
  1: ['better'],
  2: ['slightly better', 'much better'],
  3: ['slightly better', 'better', 'much better'],
  4: ['slightly better', 'somewhat better', 'clearly better', 'much better'],
};

/** "Left much better" … "Tie" … "Right much better": the labels raters see when a task names none. */
export function defaultScaleLabels(points: number): string[] {
  const half = scaleHalf(points);
  return scaleChoices(points).map((choice) => {
    if (choice === 0) return 'Tie';
    const strength = strengthsByHalf[half]?.[Math.abs(choice) - 1] ?? `better (${Math.abs(choice)} of ${half})`;
    return `${choice < 0 ? 'Left' : 'Right'} ${strength}`;
  });
}

export const emptyTaskDraft: TaskDraft = {
  name: '',
  instructions: '',
  scalePoints: '5',
  customLabels: false,
  scaleLabels: defaultScaleLabels(5),
  redundancy: 'fixed',
  judgmentsPerPair: '3',
  minJudgments: '2',
  maxJudgments: '5',
  leaseSeconds: '600',
  assignmentOrder: 'finish_first',
  countries: '',
  languages: '',
  rationaleMode: defaultRationale.mode,
  rationaleMinLength: '0',
  goldRatePercent: '0',
  goldMinAccuracyPercent: '',
  goldMinAnswers: '5',
  criteria: [],
  quotaAttribute: '',
  quotaGroups: '',
};

const percent = (share: number) => String(Math.round(share * 1000) / 10);

/** A task's settings as the form's text fields. */
export function draftFromTask(task: Task): TaskDraft {
  const adaptive = task.minJudgments !== null && task.maxJudgments !== null;
  return {
    name: task.name,
    instructions: task.instructions,
    scalePoints: String(task.scale.points),
    customLabels: Boolean(task.scale.labels),
    scaleLabels: task.scale.labels ?? defaultScaleLabels(task.scale.points),
    redundancy: adaptive ? 'adaptive' : 'fixed',
    judgmentsPerPair: String(task.judgmentsPerPair),
    minJudgments: String(task.minJudgments ?? 2),
    maxJudgments: String(task.maxJudgments ?? 5),
    leaseSeconds: String(task.leaseSeconds),
    assignmentOrder: task.assignmentOrder,
    countries: (task.eligibility.countries ?? []).join(', '),
    languages: (task.eligibility.languages ?? []).join(', '),
    rationaleMode: task.rationale.mode,
    rationaleMinLength: String(task.rationale.minLength),
    goldRatePercent: percent(task.goldRate),
    goldMinAccuracyPercent: task.goldMinAccuracy === null ? '' : percent(task.goldMinAccuracy),
    goldMinAnswers: String(task.goldMinAnswers),
    criteria: task.criteria.map((c) => ({ id: c.id, label: c.label, points: String(c.points) })),
    quotaAttribute: task.quota?.attribute ?? '',
    quotaGroups: task.quota
      ? Object.entries(task.quota.groups)
          .map(([group, n]) => `${group}=${n}`)
          .join(', ')
      : '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Number inputs hold text; a blank or non-numeric one is caught here, and ranges are the server's to check. */
function wholeNumber(text: string): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isInteger(value) ? value : null;
}

function decimal(text: string): number | null {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : null;
}

/** The draft as the create body, or the problems (by body path) that stop it from being one. */
export function bodyFromDraft(draft: TaskDraft): { body: CreateTaskBody } | { problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const whole = (path: string, text: string) => {
    const value = wholeNumber(text);
    if (value === null) problems[path] = 'must be a whole number';
    return value ?? 0;
  };
  const points = whole('scale.points', draft.scalePoints);
  const leaseSeconds = whole('leaseSeconds', draft.leaseSeconds);
  const judgmentsPerPair = whole('judgmentsPerPair', draft.judgmentsPerPair);
  const adaptive = draft.redundancy === 'adaptive';
  const minJudgments = adaptive ? whole('minJudgments', draft.minJudgments) : null;
  const maxJudgments = adaptive ? whole('maxJudgments', draft.maxJudgments) : null;
  const minLength = draft.rationaleMode === 'required' ? whole('rationale.minLength', draft.rationaleMinLength) : 0;
  const goldMinAnswers = whole('goldMinAnswers', draft.goldMinAnswers);
  const goldRate = decimal(draft.goldRatePercent);
  if (goldRate === null || goldRate < 0 || goldRate > 100) problems.goldRate = 'must be a number from 0 to 100';
  const goldMinAccuracy = draft.goldMinAccuracyPercent.trim() === '' ? null : decimal(draft.goldMinAccuracyPercent);
  if (
    draft.goldMinAccuracyPercent.trim() !== '' &&
    (goldMinAccuracy === null || goldMinAccuracy < 0 || goldMinAccuracy > 100)
  )
    problems.goldMinAccuracy = 'must be a number from 0 to 100, or blank';
  const criteria: Criterion[] = draft.criteria.map((c, i) => ({
    id: c.id.trim(),
    label: c.label,
    points: whole(`criteria.${i}.points`, c.points),
  }));
  let quota: CreateTaskBody['quota'] = null;
  if (draft.quotaAttribute.trim() || draft.quotaGroups.trim()) {
    const groups: Record<string, number> = {};
    for (const entry of list(draft.quotaGroups)) {
      const [group, count] = entry.split('=').map((part) => part.trim());
      const n = wholeNumber(count ?? '');
      if (!group || n === null) problems['quota.groups'] = 'write each group as GROUP=NUMBER, such as KE=2, IN=1';
      else groups[group] = n;
    }
    quota = { attribute: draft.quotaAttribute.trim(), groups };
  }
  if (Object.keys(problems).length > 0) return { problems };
  const countries = list(draft.countries);
  const languages = list(draft.languages);
  return {
    body: {
      name: draft.name,
      instructions: draft.instructions,
      scale: draft.customLabels ? { points, labels: draft.scaleLabels.slice(0, points) } : { points },
      judgmentsPerPair: adaptive ? (minJudgments ?? judgmentsPerPair) : judgmentsPerPair,
      minJudgments,
      maxJudgments,
      leaseSeconds,
      assignmentOrder: draft.assignmentOrder,
      eligibility: {
        ...(countries.length > 0 ? { countries } : {}),
        ...(languages.length > 0 ? { languages } : {}),
      },
      rationale: { mode: draft.rationaleMode, minLength },
      goldRate: (goldRate ?? 0) / 100,
      goldMinAccuracy: goldMinAccuracy === null ? null : goldMinAccuracy / 100,
      goldMinAnswers,
      criteria,
      quota,
    },
  };
}

/** Body paths this form shows errors beside (the alert points to them instead of repeating). */
const renderedFields = [
  'name',
  'instructions',
  'scale',
  'judgmentsPerPair',
  'minJudgments',
  'maxJudgments',
  'leaseSeconds',
  'eligibility',
  'rationale',
  'goldRate',
  'goldMinAccuracy',
  'goldMinAnswers',
  'criteria',
  'quota',
  'assignmentOrder',
] as const;

interface TaskFormProps {
  initial: TaskDraft;
  submitLabel: string;
  pendingLabel: string;
  cancelTo: string;
  pending: boolean;
  error: unknown;
  /** The scale's number of points can change only while the task is a draft. */
  scaleLocked?: boolean;
  renderMarkdown: RenderMarkdown;
  onSubmit: (body: CreateTaskBody) => void;
  /** Called when local checks fail, so the caller can clear a stale server answer. */
  onInvalid: () => void;
}

/** One page for every task setting, grouped in short sections; each message sits beside its field. */
export function TaskForm(props: TaskFormProps) {
  const { initial, pending, error, scaleLocked, renderMarkdown } = props;
  const [draft, setDraft] = useState(initial);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const serverErrors = fieldErrors(error);
  const errorFor = (path: string): string | undefined => {
    const exact = localErrors[path] ?? serverErrors[path];
    if (exact) return exact;
    const nested = Object.keys(serverErrors).find((key) => key.startsWith(`${path}.`));
    return nested ? serverErrors[nested] : undefined;
  };
  const set = <K extends keyof TaskDraft>(key: K, value: TaskDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const edit = (key: keyof TaskDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: event.target.value }));
  /** A number input bound to one text field of the draft (kept as typed; bodyFromDraft parses it). */
  const numberField = (
    key: NumberDraftKey,
    label: string,
    hint: string,
    range: { min: number; max: number; decimals?: boolean },
    errorPath: string = key,
  ) => (
    <Field label={label} hint={hint} error={errorFor(errorPath)}>
      {(control) => (
        <input
          {...control}
          type="number"
          min={range.min}
          max={range.max}
          step={range.decimals ? 'any' : undefined}
          inputMode={range.decimals ? 'decimal' : 'numeric'}
          value={draft[key]}
          onChange={edit(key)}
        />
      )}
    </Field>
  );

  const points = wholeNumber(draft.scalePoints);
  const labelCount = points !== null && points >= 2 && points <= 9 ? points : 0;

  const setPoints = (text: string) =>
    setDraft((d) => {
      const n = wholeNumber(text);
      const defaults = n !== null && n >= 2 && n <= 9 ? defaultScaleLabels(n) : d.scaleLabels;
      // Labels follow the number of points: a new number of points starts from its default labels.
      const scaleLabels = n !== null && n === d.scaleLabels.length ? d.scaleLabels : defaults;
      return { ...d, scalePoints: text, scaleLabels };
    });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = bodyFromDraft(draft);
    if ('problems' in result) {
      setLocalErrors(result.problems);
      props.onInvalid();
      return;
    }
    setLocalErrors({});
    props.onSubmit(result.body);
  };

  return (
    <form className="form task-form" onSubmit={submit} noValidate>
      <Card title="Basics">
        <div className="form">
          <Field label="Name" error={errorFor('name')}>
            {(control) => <input {...control} required maxLength={200} value={draft.name} onChange={edit('name')} />}
          </Field>
          <div className="markdown-editor">
            <Field
              label="Instructions"
              hint="Markdown: **bold**, *italic*, lists, links. Raters see it above every pair."
              error={errorFor('instructions')}
            >
              {(control) => (
                <textarea
                  {...control}
                  rows={10}
                  dir="auto"
                  value={draft.instructions}
                  onChange={edit('instructions')}
                />
              )}
            </Field>
            <section className="markdown-preview" aria-label="Preview of what raters see">
              <p className="markdown-preview__title" aria-hidden="true">
                Preview
              </p>
              {draft.instructions.trim() ? (
                renderMarkdown(draft.instructions)
              ) : (
                <p className="muted">The instructions appear here as raters will see them.</p>
              )}
            </section>
          </div>
        </div>
      </Card>

      <Card title="Scale">
        <div className="form">
          <Field
            label="Scale points"
            hint={
              scaleLocked ? 'Fixed once the task has left draft.' : '2 (forced choice) to 9; odd scales have a tie.'
            }
            error={errorFor('scale.points')}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={2}
                max={9}
                inputMode="numeric"
                disabled={scaleLocked}
                value={draft.scalePoints}
                onChange={(event) => setPoints(event.target.value)}
              />
            )}
          </Field>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={draft.customLabels}
              onChange={(event) => set('customLabels', event.target.checked)}
            />
            Use my own point labels
          </label>
          {draft.customLabels && labelCount > 0 && (
            <fieldset className="fieldset">
              <legend>Point labels, left to right</legend>
              <ol className="scale-labels">
                {Array.from({ length: labelCount }, (_, i) => (
                  <li key={i}>
                    <Field label={`Label of point ${i + 1}`} error={errorFor(`scale.labels.${i}`)}>
                      {(control) => (
                        <input
                          {...control}
                          maxLength={80}
                          dir="auto"
                          value={draft.scaleLabels[i] ?? ''}
                          onChange={(event) =>
                            setDraft((d) => {
                              const scaleLabels = [...d.scaleLabels];
                              scaleLabels[i] = event.target.value;
                              return { ...d, scaleLabels };
                            })
                          }
                        />
                      )}
                    </Field>
                  </li>
                ))}
              </ol>
              {errorFor('scale.labels') && <p className="field__error">{errorFor('scale.labels')}</p>}
            </fieldset>
          )}
          <fieldset className="fieldset">
            <legend>Criteria</legend>
            <p className="field__hint">Optional ratings asked beside the preference, such as “respects the culture”.</p>
            {draft.criteria.map((criterion, i) => (
              <div className="form__row criterion" key={i}>
                <Field label={`Criterion ${i + 1} id`} hint="a-z, 0-9, - or _" error={errorFor(`criteria.${i}.id`)}>
                  {(control) => (
                    <input
                      {...control}
                      value={criterion.id}
                      onChange={(event) =>
                        set(
                          'criteria',
                          draft.criteria.map((c, j) => (j === i ? { ...c, id: event.target.value } : c)),
                        )
                      }
                    />
                  )}
                </Field>
                <Field label={`Criterion ${i + 1} question`} error={errorFor(`criteria.${i}.label`)}>
                  {(control) => (
                    <input
                      {...control}
                      dir="auto"
                      value={criterion.label}
                      onChange={(event) =>
                        set(
                          'criteria',
                          draft.criteria.map((c, j) => (j === i ? { ...c, label: event.target.value } : c)),
                        )
                      }
                    />
                  )}
                </Field>
                <Field label={`Criterion ${i + 1} points`} hint="2 to 10" error={errorFor(`criteria.${i}.points`)}>
                  {(control) => (
                    <input
                      {...control}
                      type="number"
                      min={2}
                      max={10}
                      value={criterion.points}
                      onChange={(event) =>
                        set(
                          'criteria',
                          draft.criteria.map((c, j) => (j === i ? { ...c, points: event.target.value } : c)),
                        )
                      }
                    />
                  )}
                </Field>
                <div className="criterion__remove">
                  <Button
                    size="small"
                    variant="ghost"
                    aria-label={`Remove criterion ${i + 1}`}
                    onClick={() =>
                      set(
                        'criteria',
                        draft.criteria.filter((_, j) => j !== i),
                      )
                    }
                  >
                    Remove
                  </Button>
                </div>
              </div>
            ))}
            {errorFor('criteria') && !draft.criteria.some((_, i) => errorFor(`criteria.${i}`)) && (
              <p className="field__error">{errorFor('criteria')}</p>
            )}
            <div>
              <Button
                size="small"
                onClick={() =>
                  set('criteria', [
                    ...draft.criteria,
                    { id: `criterion-${draft.criteria.length + 1}`, label: '', points: '5' },
                  ])
                }
              >
                Add criterion
              </Button>
            </div>
          </fieldset>
        </div>
      </Card>

      <Card title="Judgments">
        <div className="form">
          <Field label="Judgments per pair mode" hint="Adaptive asks for more judgments only where raters disagree.">
            {(control) => (
              <select
                {...control}
                value={draft.redundancy}
                onChange={(event) => set('redundancy', event.target.value as TaskDraft['redundancy'])}
              >
                <option value="fixed">Fixed number per pair</option>
                <option value="adaptive">Adaptive: a minimum, more while raters disagree</option>
              </select>
            )}
          </Field>
          <div className="form__row">
            {draft.redundancy === 'fixed' ? (
              numberField('judgmentsPerPair', 'Judgments per pair', '1 to 50', { min: 1, max: 50 })
            ) : (
              <>
                {numberField('minJudgments', 'Minimum judgments', '1 to 50', { min: 1, max: 50 })}
                {numberField('maxJudgments', 'Maximum judgments', '1 to 50', { min: 1, max: 50 })}
              </>
            )}
            {numberField('leaseSeconds', 'Lease seconds', 'How long a rater holds a pair: 30 to 86400', {
              min: 30,
              max: 86_400,
            })}
            <Field label="Order" error={errorFor('assignmentOrder')}>
              {(control) => (
                <select
                  {...control}
                  value={draft.assignmentOrder}
                  onChange={(event) => set('assignmentOrder', event.target.value as TaskDraft['assignmentOrder'])}
                >
                  <option value="finish_first">Finish pairs under way first</option>
                  <option value="random">Random</option>
                </select>
              )}
            </Field>
          </div>
          <div className="form__row">
            <Field label="Rationale" error={errorFor('rationale.mode')}>
              {(control) => (
                <select
                  {...control}
                  value={draft.rationaleMode}
                  onChange={(event) => set('rationaleMode', event.target.value as RationaleMode)}
                >
                  {rationaleModes.map((mode) => (
                    <option key={mode} value={mode}>
                      {mode === 'off' ? 'Off' : mode === 'optional' ? 'Optional' : 'Required'}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {draft.rationaleMode === 'required' &&
              numberField(
                'rationaleMinLength',
                'Rationale minimum length',
                'Characters, 0 to 2000',
                { min: 0, max: 2000 },
                'rationale.minLength',
              )}
          </div>
        </div>
      </Card>

      <Card title="Who may rate">
        <div className="form">
          <div className="form__row">
            <Field
              label="Countries"
              hint="Comma-separated two-letter codes, such as KE, IN; blank: everyone"
              error={errorFor('eligibility.countries')}
            >
              {(control) => <input {...control} value={draft.countries} onChange={edit('countries')} />}
            </Field>
            <Field
              label="Languages"
              hint="Comma-separated tags, such as sw, ar; blank: everyone"
              error={errorFor('eligibility.languages')}
            >
              {(control) => <input {...control} value={draft.languages} onChange={edit('languages')} />}
            </Field>
          </div>
          <div className="form__row">
            <Field
              label="Quota attribute"
              hint="country, language or a rater attribute; blank: no quota"
              error={errorFor('quota.attribute')}
            >
              {(control) => <input {...control} value={draft.quotaAttribute} onChange={edit('quotaAttribute')} />}
            </Field>
            <Field
              label="Quota groups"
              hint="Judgments per pair reserved for each group, such as KE=1, IN=1"
              error={errorFor('quota.groups') ?? errorFor('quota')}
            >
              {(control) => <input {...control} value={draft.quotaGroups} onChange={edit('quotaGroups')} />}
            </Field>
          </div>
        </div>
      </Card>

      <Card title="Gold checks">
        <div className="form__row">
          {numberField(
            'goldRatePercent',
            'Gold rate',
            'Percent of served items that are gold checks',
            { min: 0, max: 100, decimals: true },
            'goldRate',
          )}
          {numberField(
            'goldMinAccuracyPercent',
            'Minimum gold accuracy',
            'Percent; a rater below it is paused. Blank: never',
            { min: 0, max: 100, decimals: true },
            'goldMinAccuracy',
          )}
          {numberField('goldMinAnswers', 'Gold answers before pausing', '1 to 1000', { min: 1, max: 1000 })}
        </div>
      </Card>

      {Boolean(error) && <Alert>{formErrorMessage(error, renderedFields)}</Alert>}
      {Object.keys(localErrors).length > 0 && <Alert>Some fields need attention: see the messages beside them.</Alert>}
      <div className="form__actions">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? props.pendingLabel : props.submitLabel}
        </Button>
        <ButtonLink to={props.cancelTo} variant="ghost">
          Cancel
        </ButtonLink>
      </div>
    </form>
  );
}
