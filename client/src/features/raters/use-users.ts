import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PatchUserBody, User } from '@anchor/shared';
import { createUser, fetchUsers, updateUser, userKeys } from './users-api';

export function useUsers() {
  return useQuery({ queryKey: userKeys.list(), queryFn: fetchUsers });
}

function useStoreUser() {
  const queryClient = useQueryClient();
  return (user: User) =>
    queryClient.setQueryData(
      userKeys.list(),
      (users: User[] | undefined) =>
        users &&
        (users.some((u) => u.id === user.id) ? users.map((u) => (u.id === user.id ? user : u)) : [...users, user]),
    );
}

export function useCreateUser() {
  const storeUser = useStoreUser();
  return useMutation({ mutationFn: createUser, onSuccess: storeUser });
}

export function useUpdateUser() {
  const storeUser = useStoreUser();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: PatchUserBody }) => updateUser(id, patch),
    onSuccess: storeUser,
  });
}
