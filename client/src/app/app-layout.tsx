import { useQueryClient } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Outlet, useLocation } from 'react-router';
import { Loading } from '@/components/ui';
import { meQueryKey } from '@/features/auth/auth-api';
import { useCurrentUser } from '@/features/auth/use-me';
import { SocketProvider, type SessionEndReason } from '@/lib/socket-context';
import { AppHeader } from './app-header';
import { ErrorBoundary } from './error-boundary';

/** The frame of every signed-in page: header, main landmark, and the live connection. */
export function AppLayout() {
  const user = useCurrentUser();
  const location = useLocation();
  const queryClient = useQueryClient();

  const onSessionEnded = (reason: SessionEndReason) => {
    // Disabled or signed out elsewhere: ask the server who we are now, which lands on the sign-in page.
    if (reason !== 'shutdown') void queryClient.invalidateQueries({ queryKey: meQueryKey });
  };

  return (
    <SocketProvider onSessionEnded={onSessionEnded}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader user={user} />
      <main id="main" className="page" tabIndex={-1}>
        {/* Keyed by path: a page that failed to render does not take the next page down with it. */}
        <ErrorBoundary key={location.pathname}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
    </SocketProvider>
  );
}
