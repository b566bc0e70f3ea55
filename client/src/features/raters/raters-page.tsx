import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router';
import type { User } from '@anchor/shared';
import { Alert, Badge, Button, Card, EmptyState, ErrorMessage, Field, Loading, PageHeader } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { CreateUserForm } from './create-user-form';
import { InvitationList, InviteForm } from './invite-form';
import type { UserFilter } from './users-api';
import { useUpdateUser, useUsers } from './use-users';

interface UserRowProps {
  user: User;
  isSelf: boolean;
  busy: boolean;
  onToggle: (user: User) => void;
}

function UserRow({ user, isSelf, busy, onToggle }: UserRowProps) {
  const disabled = user.status === 'disabled';
  return (
    <tr className={disabled ? 'table__row--muted' : undefined}>
      <th scope="row">
        <Link className="user-name" dir="auto" to={`/admin/raters/${user.id}`}>
          {user.displayName}
        </Link>
        <span className="user-email">{user.email}</span>
      </th>
      <td>{user.role === 'admin' ? 'Admin' : 'Rater'}</td>
      <td>{user.country ?? '—'}</td>
      <td>{user.languages?.length ? user.languages.join(', ') : '—'}</td>
      <td>
        <Badge tone={disabled ? 'muted' : 'positive'}>{disabled ? 'Disabled' : 'Active'}</Badge>
      </td>
      <td className="table__actions">
        {isSelf ? (
          <span className="muted">You</span>
        ) : (
          <Button
            size="small"
            variant={disabled ? 'secondary' : 'danger'}
            disabled={busy}
            aria-label={`${disabled ? 'Enable' : 'Disable'} ${user.displayName}`}
            onClick={() => onToggle(user)}
          >
            {disabled ? 'Enable' : 'Disable'}
          </Button>
        )}
      </td>
    </tr>
  );
}

function Filters({ filter, onChange }: { filter: UserFilter; onChange: (filter: UserFilter) => void }) {
  const set = (key: keyof UserFilter) => (event: { target: { value: string } }) =>
    onChange({ ...filter, [key]: event.target.value });
  return (
    <Card title="Find people">
      <div className="form__row filters">
        <Field label="Search" hint="Name or email">
          {(control) => <input {...control} type="search" value={filter.q ?? ''} onChange={set('q')} />}
        </Field>
        <Field label="Country code" hint="Such as KE">
          {(control) => (
            <input
              {...control}
              maxLength={2}
              value={filter.country ?? ''}
              onChange={(e) => onChange({ ...filter, country: e.target.value.toUpperCase() })}
            />
          )}
        </Field>
        <Field label="Language tag" hint="Such as sw">
          {(control) => <input {...control} value={filter.language ?? ''} onChange={set('language')} />}
        </Field>
        <Field label="Status">
          {(control) => (
            <select {...control} value={filter.status ?? ''} onChange={set('status')}>
              <option value="">Any</option>
              <option value="active">Active</option>
              <option value="disabled">Disabled</option>
            </select>
          )}
        </Field>
      </div>
    </Card>
  );
}

/** Only complete filter values go to the server (a half-typed country code would match nobody). */
function usableFilter(filter: UserFilter): UserFilter {
  return {
    ...(filter.q?.trim() ? { q: filter.q.trim() } : {}),
    ...(filter.country && /^[A-Z]{2}$/.test(filter.country) ? { country: filter.country } : {}),
    ...(filter.language && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(filter.language)
      ? { language: filter.language }
      : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
}

/** Everyone who can sign in. Disabling someone ends their sessions at once. */
export function RatersPage({ currentUserId }: { currentUserId: string }) {
  const [filter, setFilter] = useState<UserFilter>({});
  const deferred = useDeferredValue(usableFilter(filter));
  const users = useUsers(deferred);
  const updateUser = useUpdateUser();
  const toggle = (user: User) => {
    const disabling = user.status === 'active';
    if (disabling && !window.confirm(`Disable ${user.displayName}? They are signed out everywhere at once.`)) return;
    updateUser.mutate({ id: user.id, patch: { status: disabling ? 'disabled' : 'active' } });
  };

  return (
    <>
      <PageHeader title="Raters" description="Everyone who can sign in: raters and admins." />
      <div className="detail-grid">
        <div className="detail-grid__main">
          <Filters filter={filter} onChange={setFilter} />
          {users.isPending && <Loading />}
          {users.isError && <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />}
          {updateUser.isError && <Alert>{errorMessage(updateUser.error)}</Alert>}
          {users.data?.length === 0 && <EmptyState title="Nobody matches" />}
          {users.data && users.data.length > 0 && (
            <div className="table-wrap card card--flush">
              <table className="table">
                <caption className="visually-hidden">People ({users.data.length})</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Country</th>
                    <th scope="col">Languages</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.map((user) => (
                    <UserRow
                      key={user.id}
                      user={user}
                      isSelf={user.id === currentUserId}
                      busy={updateUser.isPending && updateUser.variables.id === user.id}
                      onToggle={toggle}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div className="detail-grid__side">
          <InviteForm />
          <InvitationList />
          <CreateUserForm />
        </div>
      </div>
    </>
  );
}
