import { useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { Alert, Button, Field } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { useMe, useSignIn } from './use-me';

/** Where <RequireAuth> sent the visitor from, so signing in returns them there. */
export interface SignInLocationState {
  from: string;
}

function returnPath(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state && typeof state.from === 'string') {
    // Only an in-app path: never an absolute or protocol-relative URL.
    if (state.from.startsWith('/') && !state.from.startsWith('//') && state.from !== '/login') return state.from;
  }
  return '/';
}

export function SignInPage() {
  const location = useLocation();
  const me = useMe();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const destination = returnPath(location.state);

  if (me.data) return <Navigate to={destination} replace />;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // Success stores the user, and the <Navigate> above takes them on.
    signIn.mutate({ email: email.trim(), password });
  };

  return (
    <main id="main" className="sign-in">
      <div className="sign-in__panel">
        <p className="brand brand--large" aria-hidden="true">
          <span className="brand__mark">⚓</span> Anchor
        </p>
        <h1 className="sign-in__title">Sign in</h1>
        <p className="sign-in__intro">
          Compare answers to questions about culture and values, and say which is better.
        </p>
        <form className="form" onSubmit={submit} noValidate>
          <Field label="Email">
            {(control) => (
              <input
                {...control}
                type="email"
                name="email"
                autoComplete="username"
                inputMode="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password">
            {(control) => (
              <input
                {...control}
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          {signIn.isError && <Alert>{errorMessage(signIn.error)}</Alert>}
          <Button type="submit" variant="primary" disabled={signIn.isPending} className="button--block">
            {signIn.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
    </main>
  );
}
