import { useState, type FormEvent } from 'react';
import type { CreateInviteBody, Role } from '@anchor/shared';
import { Alert, Badge, Button, Card, Field } from '@/components/ui';
import { errorMessage, fieldErrors, formErrorMessage } from '@/lib/api';
import { formatDateTime } from '@/lib/format';
import { useCreateInvite, useInvites, useRevokeInvite } from './use-users';

interface InviteDraft {
  email: string;
  role: Role;
  country: string;
  languages: string;
  days: string;
}

const emptyDraft: InviteDraft = { email: '', role: 'rater', country: '', languages: '', days: '7' };
const inviteFields = ['email', 'role', 'country', 'languages', 'expiresInHours'] as const;

function toBody(draft: InviteDraft): CreateInviteBody {
  const languages = draft.languages
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  const days = Number(draft.days);
  return {
    email: draft.email.trim(),
    role: draft.role,
    ...(draft.country.trim() ? { country: draft.country.trim() } : {}),
    ...(languages.length > 0 ? { languages } : {}),
    expiresInHours: Number.isFinite(days) ? Math.round(days * 24) : 0,
  };
}

/** A one-time link the person opens to set their own password; it stops working once used, revoked or expired. */
export function InviteForm() {
  const createInvite = useCreateInvite();
  const [draft, setDraft] = useState(emptyDraft);
  const [copied, setCopied] = useState(false);
  const errors = fieldErrors(createInvite.error);
  const edit = (field: keyof InviteDraft) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [field]: event.target.value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setCopied(false);
    createInvite.mutate(toBody(draft), { onSuccess: () => setDraft(emptyDraft) });
  };

  return (
    <Card title="Invite by link">
      <form className="form" onSubmit={submit} noValidate>
        <Field label="Email" hint="They sign in with it." error={errors.email}>
          {(control) => (
            <input {...control} type="email" autoComplete="off" required value={draft.email} onChange={edit('email')} />
          )}
        </Field>
        <div className="form__row">
          <Field label="Role" error={errors.role}>
            {(control) => (
              <select {...control} value={draft.role} onChange={edit('role')}>
                <option value="rater">Rater</option>
                <option value="admin">Admin</option>
              </select>
            )}
          </Field>
          <Field label="Valid for days" hint="1 to 30" error={errors.expiresInHours}>
            {(control) => (
              <input {...control} type="number" min={1} max={30} value={draft.days} onChange={edit('days')} />
            )}
          </Field>
        </div>
        <div className="form__row">
          <Field label="Country" hint="Two letters, such as KE" error={errors.country}>
            {(control) => <input {...control} maxLength={2} value={draft.country} onChange={edit('country')} />}
          </Field>
          <Field label="Languages" hint="Comma-separated, such as sw, en" error={errors.languages}>
            {(control) => <input {...control} value={draft.languages} onChange={edit('languages')} />}
          </Field>
        </div>
        {createInvite.isError && <Alert>{formErrorMessage(createInvite.error, inviteFields)}</Alert>}
        {createInvite.isSuccess && (
          <Alert tone="success" title={`Invitation for ${createInvite.data.invite.email}`}>
            <p>Send this link privately; it works once, until {formatDateTime(createInvite.data.invite.expiresAt)}.</p>
            <div className="invite-link">
              <input
                readOnly
                aria-label="Invitation link"
                value={createInvite.data.link}
                onFocus={(event) => event.target.select()}
              />
              <Button
                size="small"
                onClick={() =>
                  void navigator.clipboard?.writeText(createInvite.data.link).then(
                    () => setCopied(true),
                    () => setCopied(false),
                  )
                }
              >
                {copied ? 'Copied' : 'Copy link'}
              </Button>
            </div>
          </Alert>
        )}
        <div className="form__actions">
          <Button type="submit" variant="primary" disabled={createInvite.isPending}>
            {createInvite.isPending ? 'Creating link…' : 'Create invitation link'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

const statusTones = { pending: 'positive', accepted: 'neutral', expired: 'muted', revoked: 'muted' } as const;

export function InvitationList() {
  const invites = useInvites();
  const revoke = useRevokeInvite();
  if (!invites.data || invites.data.length === 0) return null;
  return (
    <Card title="Invitations">
      {revoke.isError && <Alert>{errorMessage(revoke.error)}</Alert>}
      <ul className="invite-list">
        {invites.data.slice(0, 20).map((invite) => (
          <li key={invite.id} className="invite-list__item">
            <span>
              {invite.email} <Badge tone={statusTones[invite.status]}>{invite.status}</Badge>
            </span>
            <span className="muted">
              {invite.status === 'pending' ? `until ${formatDateTime(invite.expiresAt)}` : ''}
              {invite.acceptedAt ? `accepted ${formatDateTime(invite.acceptedAt)}` : ''}
            </span>
            {invite.status === 'pending' && (
              <Button
                size="small"
                variant="ghost"
                aria-label={`Revoke the invitation for ${invite.email}`}
                disabled={revoke.isPending}
                onClick={() => revoke.mutate(invite.id)}
              >
                Revoke
              </Button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}
