import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { EmptyState, ErrorMessage, Loading } from '@/components/ui';
import type { SignInLocationState } from './sign-in-page';
import { useCurrentUser, useMe } from './use-me';

/** Renders its children only for a signed-in user; anyone else goes to /login and comes back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <main id="main" className="page page--centered">
        <Loading />
      </main>
    );
  }
  if (me.isError) {
    return (
      <main id="main" className="page page--centered">
        <ErrorMessage error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  }
  if (!me.data) {
    const state: SignInLocationState = { from: location.pathname + location.search };
    return <Navigate to="/login" replace state={state} />;
  }
  return children;
}

/** A route group for admins; raters see an explanation instead (and never load the admin code). */
export function RequireAdmin() {
  const user = useCurrentUser();
  if (user.role !== 'admin') {
    return (
      <EmptyState title="This page is for admins">
        <p>Your account can rate tasks but not manage them. Ask an admin if you need access.</p>
      </EmptyState>
    );
  }
  return <Outlet />;
}
