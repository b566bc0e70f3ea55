import type { User } from '@anchor/shared';
import { ApiError, apiJson, apiNoContent } from '@/lib/api';

export const meQueryKey = ['auth', 'me'] as const;

/** The signed-in user, or null when signed out (401 is an answer here, not a failure). */
export async function fetchMe(): Promise<User | null> {
  try {
    return (await apiJson<{ user: User }>('/api/auth/me')).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(credentials: { email: string; password: string }): Promise<User> {
  return (await apiJson<{ user: User }>('/api/auth/login', { method: 'POST', json: credentials })).user;
}

export function signOut(): Promise<void> {
  return apiNoContent('/api/auth/logout', { method: 'POST' });
}
