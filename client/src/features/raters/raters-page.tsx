import type { User } from '@anchor/shared';
import { Alert, Badge, Button, EmptyState, ErrorMessage, Loading, PageHeader } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { CreateUserForm } from './create-user-form';
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
        <span className="user-name" dir="auto">
          {user.displayName}
        </span>
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

/** Everyone who can sign in. Disabling someone ends their sessions at once. */
export function RatersPage({ currentUserId }: { currentUserId: string }) {
  const users = useUsers();
  const updateUser = useUpdateUser();
  const toggle = (user: User) =>
    updateUser.mutate({ id: user.id, patch: { status: user.status === 'active' ? 'disabled' : 'active' } });

  return (
    <>
      <PageHeader title="Raters" description="Everyone who can sign in: raters and admins." />
      <div className="detail-grid">
        <div className="detail-grid__main">
          {users.isPending && <Loading />}
          {users.isError && <ErrorMessage error={users.error} onRetry={() => void users.refetch()} />}
          {updateUser.isError && <Alert>{errorMessage(updateUser.error)}</Alert>}
          {users.data?.length === 0 && <EmptyState title="Nobody here yet" />}
          {users.data && users.data.length > 0 && (
            <div className="table-wrap card card--flush">
              <table className="table">
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
          <CreateUserForm />
        </div>
      </div>
    </>
  );
}
