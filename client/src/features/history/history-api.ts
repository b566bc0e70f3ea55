import type { MyJudgmentsResponse } from '@anchor/shared';
import { apiJson } from '@/lib/api';

export const myJudgmentsQueryKey = ['me', 'judgments'] as const;

export function fetchMyJudgments(cursor: string | null): Promise<MyJudgmentsResponse> {
  return apiJson<MyJudgmentsResponse>(
    `/api/me/judgments?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
}
