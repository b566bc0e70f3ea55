import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { User } from '@anchor/shared';
import { fetchMe, meQueryKey, signIn, signOut } from './auth-api';

export function useMe() {
  return useQuery({ queryKey: meQueryKey, queryFn: fetchMe, staleTime: 5 * 60_000 });
}

/** The signed-in user, for components rendered inside <RequireAuth> (which guarantees there is one). */
export function useCurrentUser(): User {
  const { data } = useMe();
  if (!data) throw new Error('useCurrentUser must be used inside <RequireAuth>.');
  return data;
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: (user) => queryClient.setQueryData(meQueryKey, user),
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    onSettled: () => {
      queryClient.setQueryData(meQueryKey, null);
      // The next person to sign in on this browser must not see this user's cached data.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
    },
  });
}
