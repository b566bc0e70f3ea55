import type { PatchProfileBody, ProfileResponse } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const profileQueryKey = ['me', 'profile'] as const;

export const fetchProfile = () => apiJson<ProfileResponse>('/api/me/profile');
export const patchProfile = (body: PatchProfileBody) =>
  apiJson<ProfileResponse>('/api/me/profile', { method: 'PATCH', json: body });
export const giveConsent = (version: string) =>
  apiJson<ProfileResponse>('/api/me/consent', { method: 'POST', json: { version } });
export const withdrawConsent = () => apiJson<ProfileResponse>('/api/me/consent', { method: 'DELETE' });
