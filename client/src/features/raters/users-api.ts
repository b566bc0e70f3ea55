import type { CreateUserBody, PatchUserBody, User } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const userKeys = {
  list: () => ['users', 'list'] as const,
};

export async function fetchUsers(): Promise<User[]> {
  return (await apiJson<{ users: User[] }>('/api/users')).users;
}

export async function createUser(body: CreateUserBody): Promise<User> {
  return (await apiJson<{ user: User }>('/api/users', { method: 'POST', json: body })).user;
}

export async function updateUser(id: string, patch: PatchUserBody): Promise<User> {
  return (await apiJson<{ user: User }>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch })).user;
}
