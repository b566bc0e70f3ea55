import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { meQueryKey } from '@/features/auth/auth-api';
import { ApiError } from '@/lib/api';

/** A client error (4xx) will not change by asking again; network trouble and 5xx might. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    defaultOptions: { queries: { retry: shouldRetry, staleTime: 10_000 }, mutations: { retry: false } },
    // A 401 anywhere means the session ended (expired, signed out in another tab): drop the user, which sends the
    // app to the sign-in page.
    queryCache: new QueryCache({ onError: (error) => onUnauthorized(error) }),
    mutationCache: new MutationCache({ onError: (error) => onUnauthorized(error) }),
  });
  function onUnauthorized(error: unknown) {
    if (error instanceof ApiError && error.status === 401) queryClient.setQueryData(meQueryKey, null);
  }
  return queryClient;
}
