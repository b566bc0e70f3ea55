import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { User } from '@anchor/shared';
import { Alert, Button, Field, Loading } from '@/components/ui';
import { errorMessage, fieldErrors } from '@/lib/api';
import { acceptInvite, fetchInvitePreview } from './users-api';

/**
 * Where an invitation link lands (public, loaded only by such a link): the invitee chooses a display name and a
 * password, and is signed in at once. A used, revoked or expired link says so.
 */
export function AcceptInvitePage({ token, onAccepted }: { token: string; onAccepted: (user: User) => void }) {
  const invite = useQuery({ queryKey: ['invite', token], queryFn: () => fetchInvitePreview(token), retry: false });
  const accept = useMutation({
    mutationFn: (body: { password: string; displayName: string }) => acceptInvite(token, body),
    onSuccess: onAccepted,
  });
  const [displayName, setDisplayName] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const errors = fieldErrors(accept.error);
  const name = displayName ?? invite.data?.displayName ?? '';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    accept.mutate({ password, displayName: name });
  };

  return (
    <main id="main" className="sign-in">
      <div className="sign-in__panel">
        <p className="brand brand--large" aria-hidden="true">
          <span className="brand__mark">⚓</span> Anchor
        </p>
        <h1 className="sign-in__title">Join Anchor</h1>
        {invite.isPending && <Loading />}
        {invite.isError && (
          <Alert title="This link does not work">
            <p>{errorMessage(invite.error)}</p>
          </Alert>
        )}
        {invite.data && (
          <>
            <p className="sign-in__intro">
              You were invited as <strong>{invite.data.email}</strong>. Choose the name others see and a password.
            </p>
            <form className="form" onSubmit={submit} noValidate>
              <Field label="Display name" error={errors.displayName}>
                {(control) => (
                  <input
                    {...control}
                    dir="auto"
                    autoComplete="name"
                    required
                    value={name}
                    onChange={(e) => setDisplayName(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Password" hint="At least 8 characters." error={errors.password}>
                {(control) => (
                  <input
                    {...control}
                    type="password"
                    autoComplete="new-password"
                    required
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Repeat the password" error={mismatch ? 'does not match the password' : undefined}>
                {(control) => (
                  <input
                    {...control}
                    type="password"
                    autoComplete="new-password"
                    required
                    value={repeat}
                    onChange={(e) => setRepeat(e.target.value)}
                  />
                )}
              </Field>
              {accept.isError && !errors.password && !errors.displayName && <Alert>{errorMessage(accept.error)}</Alert>}
              <Button type="submit" variant="primary" disabled={accept.isPending} className="button--block">
                {accept.isPending ? 'Creating your account…' : 'Create account and sign in'}
              </Button>
            </form>
          </>
        )}
      </div>
    </main>
  );
}
