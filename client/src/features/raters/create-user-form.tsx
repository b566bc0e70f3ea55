import { useState, type FormEvent } from 'react';
import type { CreateUserBody, Role } from '@anchor/shared';
import { Alert, Button, Card, Field } from '@/components/ui';
import { fieldErrors, formErrorMessage } from '@/lib/api';
import { useCreateUser } from './use-users';

interface UserDraft {
  email: string;
  displayName: string;
  password: string;
  role: Role;
  country: string;
  languages: string;
}

const emptyDraft: UserDraft = { email: '', displayName: '', password: '', role: 'rater', country: '', languages: '' };

/** Body fields this form shows errors beside. */
const userFormFields = ['email', 'displayName', 'password', 'role', 'country', 'languages'] as const;

/** Optional fields are left out when blank, so the server applies its own defaults. */
function toCreateBody(draft: UserDraft): CreateUserBody {
  const languages = draft.languages
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return {
    email: draft.email.trim(),
    displayName: draft.displayName,
    role: draft.role,
    ...(draft.password ? { password: draft.password } : {}),
    ...(draft.country.trim() ? { country: draft.country.trim() } : {}),
    ...(languages.length > 0 ? { languages } : {}),
  };
}

export function CreateUserForm() {
  const createUser = useCreateUser();
  const [draft, setDraft] = useState(emptyDraft);
  const errors = fieldErrors(createUser.error);
  const edit = (field: keyof UserDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    createUser.mutate(toCreateBody(draft), { onSuccess: () => setDraft(emptyDraft) });
  };

  return (
    <Card title="Add a person">
      <form className="form" onSubmit={submit} noValidate>
        <Field label="Email" error={errors.email}>
          {(control) => (
            <input {...control} type="email" autoComplete="off" required value={draft.email} onChange={edit('email')} />
          )}
        </Field>
        <Field label="Display name" error={errors.displayName}>
          {(control) => <input {...control} required value={draft.displayName} onChange={edit('displayName')} />}
        </Field>
        <Field
          label="Password"
          hint="At least 8 characters. Share it with the person privately."
          error={errors.password}
        >
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="new-password"
              value={draft.password}
              onChange={edit('password')}
            />
          )}
        </Field>
        <Field label="Role" error={errors.role}>
          {(control) => (
            <select {...control} value={draft.role} onChange={edit('role')}>
              <option value="rater">Rater</option>
              <option value="admin">Admin</option>
            </select>
          )}
        </Field>
        <div className="form__row">
          <Field label="Country" hint="Two letters, such as KE or IN" error={errors.country}>
            {(control) => (
              <input {...control} maxLength={2} autoComplete="off" value={draft.country} onChange={edit('country')} />
            )}
          </Field>
          <Field label="Languages" hint="Comma-separated, such as sw, en or ar" error={errors.languages}>
            {(control) => (
              <input {...control} autoComplete="off" value={draft.languages} onChange={edit('languages')} />
            )}
          </Field>
        </div>
        {createUser.isError && <Alert>{formErrorMessage(createUser.error, userFormFields)}</Alert>}
        {createUser.isSuccess && <Alert tone="success">{createUser.data.displayName} can now sign in.</Alert>}
        <div className="form__actions">
          <Button type="submit" variant="primary" disabled={createUser.isPending}>
            {createUser.isPending ? 'Adding…' : 'Add person'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
