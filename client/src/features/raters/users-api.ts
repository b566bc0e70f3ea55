import type {
  CreateInviteBody,
  CreateInviteResponse,
  CreateUserBody,
  Invite,
  InvitePreview,
  PatchUserBody,
  RaterActivity,
  RaterStatsResponse,
  User,
} from '@anchor/shared';
import { apiJson } from '@/lib/api';

export interface UserFilter {
  q?: string;
  country?: string;
  language?: string;
  status?: string;
  role?: string;
}

export const userKeys = {
  all: ['users'] as const,
  list: (filter: UserFilter = {}) => ['users', 'list', filter] as const,
  detail: (id: string) => ['users', 'detail', id] as const,
  stats: (id: string) => ['users', 'detail', id, 'stats'] as const,
  activity: (id: string) => ['users', 'detail', id, 'activity'] as const,
  invites: () => ['invites'] as const,
};

export async function fetchUsers(filter: UserFilter = {}): Promise<User[]> {
  const query = new URLSearchParams(
    Object.entries(filter).filter(([, v]) => v !== undefined && v !== '') as string[][],
  );
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  return (await apiJson<{ users: User[] }>(`/api/users${suffix}`)).users;
}

export async function fetchUser(id: string): Promise<User> {
  return (await apiJson<{ user: User }>(`/api/users/${encodeURIComponent(id)}`)).user;
}

export async function createUser(body: CreateUserBody): Promise<User> {
  return (await apiJson<{ user: User }>('/api/users', { method: 'POST', json: body })).user;
}

export async function updateUser(id: string, patch: PatchUserBody): Promise<User> {
  return (await apiJson<{ user: User }>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: patch })).user;
}

export function fetchRaterStats(id: string): Promise<RaterStatsResponse> {
  return apiJson<RaterStatsResponse>(`/api/raters/${encodeURIComponent(id)}/stats`);
}

export function fetchActivity(id: string): Promise<RaterActivity> {
  return apiJson<RaterActivity>(`/api/users/${encodeURIComponent(id)}/activity`);
}

export function createInvite(body: CreateInviteBody): Promise<CreateInviteResponse> {
  return apiJson<CreateInviteResponse>('/api/invites', { method: 'POST', json: body });
}

export async function fetchInvites(): Promise<Invite[]> {
  return (await apiJson<{ invites: Invite[] }>('/api/invites')).invites;
}

export async function revokeInvite(id: string): Promise<Invite> {
  return (await apiJson<{ invite: Invite }>(`/api/invites/${encodeURIComponent(id)}`, { method: 'DELETE' })).invite;
}

export async function fetchInvitePreview(token: string): Promise<InvitePreview> {
  return (await apiJson<{ invite: InvitePreview }>(`/api/invites/${encodeURIComponent(token)}`)).invite;
}

export async function acceptInvite(token: string, body: { password: string; displayName: string }): Promise<User> {
  return (
    await apiJson<{ user: User }>(`/api/invites/${encodeURIComponent(token)}/accept`, { method: 'POST', json: body })
  ).user;
}
