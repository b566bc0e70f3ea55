import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PatchUserBody, User } from '@anchor/shared';
import {
  createInvite,
  createUser,
  fetchActivity,
  fetchInvites,
  fetchRaterStats,
  fetchUsers,
  revokeInvite,
  updateUser,
  userKeys,
  type UserFilter,
} from './users-api';

export function useUsers(filter: UserFilter = {}) {
  return useQuery({
    queryKey: userKeys.list(filter),
    queryFn: () => fetchUsers(filter),
    placeholderData: keepPreviousData,
  });
}

/** Every cached list (whatever its filter) gets the new copy of a user; lists the user may now leave are refetched. */
function useStoreUser() {
  const queryClient = useQueryClient();
  return (user: User) => {
    queryClient.setQueriesData<User[]>({ queryKey: ['users', 'list'] }, (users) =>
      users?.some((u) => u.id === user.id) ? users.map((u) => (u.id === user.id ? user : u)) : users,
    );
    queryClient.setQueryData(userKeys.detail(user.id), user);
    // The change is now in the person's audit trail.
    void queryClient.invalidateQueries({ queryKey: userKeys.activity(user.id) });
    void queryClient.invalidateQueries({ queryKey: ['users', 'list'], refetchType: 'none' });
  };
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['users', 'list'] }),
  });
}

export function useUpdateUser() {
  const storeUser = useStoreUser();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: PatchUserBody }) => updateUser(id, patch),
    onSuccess: storeUser,
  });
}

export function useRaterStats(id: string) {
  return useQuery({ queryKey: userKeys.stats(id), queryFn: () => fetchRaterStats(id) });
}

export function useActivity(id: string) {
  return useQuery({ queryKey: userKeys.activity(id), queryFn: () => fetchActivity(id) });
}

export function useInvites() {
  return useQuery({ queryKey: userKeys.invites(), queryFn: fetchInvites });
}

export function useCreateInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createInvite,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: userKeys.invites() }),
  });
}

export function useRevokeInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeInvite,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: userKeys.invites() }),
  });
}
