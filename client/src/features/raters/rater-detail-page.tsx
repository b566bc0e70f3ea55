import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { PatchUserBody, RaterStatsResponse, User } from '@anchor/shared';
import { Alert, Badge, Button, ButtonLink, Card, ErrorMessage, Field, Loading, PageHeader } from '@/components/ui';
import { errorMessage, fieldErrors, formErrorMessage } from '@/lib/api';
import { formatCount, formatDateTime } from '@/lib/format';
import { fetchUser, userKeys } from './users-api';
import { useActivity, useRaterStats, useUpdateUser } from './use-users';

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 1000) / 10}%`);
const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

function Figures({ stats }: { stats: RaterStatsResponse }) {
  return (
    <dl className="settings">
      <dt>Judgments</dt>
      <dd>{formatCount(stats.judgments)}</dd>
      <dt>Median time</dt>
      <dd>{seconds(stats.medianTimeMs)}</dd>
      <dt>Gold accuracy</dt>
      <dd>
        {percent(stats.goldAccuracy)}{' '}
        {stats.goldJudgments > 0 && <span className="muted">of {stats.goldJudgments}</span>}
      </dd>
      <dt>Left response preferred</dt>
      <dd>{percent(stats.leftShare)}</dd>
      <dt>Agreement with the majority</dt>
      <dd>{percent(stats.agreementWithMajority)}</dd>
      <dt>Too fast</dt>
      <dd>{percent(stats.tooFastShare)}</dd>
      <dt>Straight-lining</dt>
      <dd>{stats.straightLining ? `yes (${stats.longestRun} identical in a row)` : 'no'}</dd>
    </dl>
  );
}

interface Draft {
  displayName: string;
  role: User['role'];
  country: string;
  languages: string;
  attributes: string;
}

function draftOf(user: User): Draft {
  return {
    displayName: user.displayName,
    role: user.role,
    country: user.country ?? '',
    languages: (user.languages ?? []).join(', '),
    attributes: JSON.stringify(user.attributes ?? {}, null, 2),
  };
}

function EditUser({ user, isSelf }: { user: User; isSelf: boolean }) {
  const update = useUpdateUser();
  const [draft, setDraft] = useState(() => draftOf(user));
  const [attributesError, setAttributesError] = useState<string | undefined>();
  const errors = fieldErrors(update.error);
  const edit = (field: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    let attributes: PatchUserBody['attributes'];
    try {
      const parsed: unknown = JSON.parse(draft.attributes || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      attributes = parsed as PatchUserBody['attributes'];
      setAttributesError(undefined);
    } catch {
      setAttributesError('must be a JSON object, such as {"region": "coast"}');
      return;
    }
    update.mutate({
      id: user.id,
      patch: {
        displayName: draft.displayName,
        // Only a real change of role is sent: it signs the person out everywhere.
        ...(!isSelf && draft.role !== user.role ? { role: draft.role } : {}),
        country: draft.country.trim() ? draft.country.trim() : null,
        languages: draft.languages
          .split(',')
          .map((tag) => tag.trim())
          .filter(Boolean),
        attributes,
      },
    });
  };

  return (
    <Card title="Attributes">
      <form className="form" onSubmit={submit} noValidate>
        <Field label="Display name" error={errors.displayName}>
          {(control) => <input {...control} dir="auto" value={draft.displayName} onChange={edit('displayName')} />}
        </Field>
        <div className="form__row">
          <Field label="Country" hint="Two letters" error={errors.country}>
            {(control) => <input {...control} maxLength={2} value={draft.country} onChange={edit('country')} />}
          </Field>
          <Field label="Languages" hint="Comma-separated" error={errors.languages}>
            {(control) => <input {...control} value={draft.languages} onChange={edit('languages')} />}
          </Field>
          <Field label="Role" error={errors.role}>
            {(control) => (
              <select {...control} value={draft.role} onChange={edit('role')} disabled={isSelf}>
                <option value="rater">Rater</option>
                <option value="admin">Admin</option>
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Other attributes"
          hint='JSON, used by quotas and quality groups, such as {"region": "coast"}'
          error={attributesError ?? errors.attributes}
        >
          {(control) => <textarea {...control} rows={4} value={draft.attributes} onChange={edit('attributes')} />}
        </Field>
        {update.isError && (
          <Alert>{formErrorMessage(update.error, ['displayName', 'country', 'languages', 'role', 'attributes'])}</Alert>
        )}
        {update.isSuccess && <Alert tone="success">Saved.</Alert>}
        <div className="form__actions">
          <Button type="submit" variant="primary" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save attributes'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** One person: their attributes, their figures across tasks, what they did lately and what admins did about them. */
export function RaterDetailPage({ userId, currentUserId }: { userId: string; currentUserId: string }) {
  const users = useQuery({ queryKey: userKeys.detail(userId), queryFn: () => fetchUser(userId) });
  const stats = useRaterStats(userId);
  const activity = useActivity(userId);
  const toggle = useUpdateUser();
  if (users.isPending) return <Loading />;
  if (users.isError) return <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />;
  const user = users.data;
  const isSelf = user.id === currentUserId;
  const disabled = user.status === 'disabled';
  return (
    <>
      <PageHeader
        title={<span dir="auto">{user.displayName}</span>}
        description={
          <>
            {user.email} · {user.role === 'admin' ? 'Admin' : 'Rater'} ·{' '}
            <Badge tone={disabled ? 'muted' : 'positive'}>{disabled ? 'Disabled' : 'Active'}</Badge>
          </>
        }
        actions={
          <>
            <ButtonLink to="/admin/raters" variant="ghost">
              All raters
            </ButtonLink>
            {!isSelf && (
              <Button
                variant={disabled ? 'secondary' : 'danger'}
                disabled={toggle.isPending}
                onClick={() => {
                  if (
                    !disabled &&
                    !window.confirm(`Disable ${user.displayName}? They are signed out everywhere at once.`)
                  )
                    return;
                  toggle.mutate({ id: user.id, patch: { status: disabled ? 'active' : 'disabled' } });
                }}
              >
                {disabled ? `Enable ${user.displayName}` : `Disable ${user.displayName}`}
              </Button>
            )}
          </>
        }
      />
      {toggle.isError && <Alert>{errorMessage(toggle.error)}</Alert>}
      <div className="detail-grid">
        <div className="detail-grid__main">
          <Card title="Figures across tasks">
            {stats.isPending && <Loading />}
            {stats.isError && <ErrorMessage error={stats.error} />}
            {stats.data && <Figures stats={stats.data} />}
          </Card>
          <Card title="Recent judgments">
            {activity.isPending && <Loading />}
            {activity.isError && <ErrorMessage error={activity.error} />}
            {activity.data?.judgments.length === 0 && <p className="muted">No judgments yet.</p>}
            {activity.data && activity.data.judgments.length > 0 && (
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Recent judgments table">
                <table className="table table--compact">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Task</th>
                      <th scope="col">Pair</th>
                      <th scope="col" className="table__number">
                        Preference
                      </th>
                      <th scope="col" className="table__number">
                        Time
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {activity.data.judgments.map((j) => (
                      <tr key={j.id}>
                        <td>{formatDateTime(j.createdAt)}</td>
                        <td>{j.taskName}</td>
                        <td>{j.externalId}</td>
                        <td className="table__number">
                          {j.preference > 0 ? `B +${j.preference}` : j.preference < 0 ? `A +${-j.preference}` : 'tie'}
                        </td>
                        <td className="table__number">{seconds(j.timeMs)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title="Admin actions about this person">
            {activity.data?.audit.length === 0 && <p className="muted">None.</p>}
            <ul className="audit-mini">
              {activity.data?.audit.map((entry) => (
                <li key={entry.seq}>
                  {formatDateTime(entry.at)}: <strong>{entry.action}</strong> by {entry.actorEmail ?? 'the system'}
                </li>
              ))}
            </ul>
          </Card>
        </div>
        <div className="detail-grid__side">
          <EditUser key={user.id} user={user} isSelf={isSelf} />
        </div>
      </div>
    </>
  );
}
