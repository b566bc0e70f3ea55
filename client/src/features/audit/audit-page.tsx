import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { AuditEntry, AuditPage as AuditPageData } from '@anchor/shared';
import { Button, EmptyState, ErrorMessage, Field, Loading, PageHeader } from '@/components/ui';
import { apiJson } from '@/lib/api';
import { formatDateTime } from '@/lib/format';

const actions = [
  'task.created',
  'task.updated',
  'task.status_changed',
  'pairs.imported',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.enabled',
  'invite.created',
  'invite.accepted',
  'invite.revoked',
  'export.downloaded',
];

function fetchPage(action: string, cursor: string | undefined): Promise<AuditPageData> {
  const query = new URLSearchParams({ limit: '50' });
  if (action) query.set('action', action);
  if (cursor) query.set('cursor', cursor);
  return apiJson<AuditPageData>(`/api/audit?${query.toString()}`);
}

/** A short reading of an entry's details: the changed fields, the names, the counts. */
function describe(entry: AuditEntry): string {
  const d = entry.details;
  const parts: string[] = [];
  if (typeof d.name === 'string') parts.push(`“${d.name}”`);
  if (typeof d.email === 'string') parts.push(d.email);
  if (typeof d.from === 'string' && typeof d.to === 'string') parts.push(`${d.from} → ${d.to}`);
  else if (Array.isArray(d.changed)) parts.push(`changed ${d.changed.join(', ')}`);
  if (typeof d.inserted === 'number')
    parts.push(`${d.inserted} added, ${String(d.skipped)} skipped, ${String(d.rejectedLines)} rejected`);
  if (typeof d.format === 'string' && entry.action === 'export.downloaded')
    parts.push(`${d.format}, ${String(d.rows)} rows`);
  return parts.join(' · ');
}

/** Who changed what, when: every admin action, newest first, with the whole log as CSV. */
export function AuditLogPage() {
  const [action, setAction] = useState('');
  const log = useInfiniteQuery({
    queryKey: ['audit', action],
    queryFn: ({ pageParam }) => fetchPage(action, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.entries) ?? [];
  const csvHref = `/api/audit/export${action ? `?action=${encodeURIComponent(action)}` : ''}`;
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, and when: tasks, imports, people, invitations and exports."
        actions={
          <a className="button button--secondary" href={csvHref} download>
            Download the log (CSV)
          </a>
        }
      />
      <div className="form__row filters">
        <Field label="Action">
          {(control) => (
            <select {...control} value={action} onChange={(e) => setAction(e.target.value)}>
              <option value="">All actions</option>
              {actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {log.isPending && <Loading />}
      {log.isError && <ErrorMessage error={log.error} onRetry={() => void log.refetch()} />}
      {log.data && entries.length === 0 && <EmptyState title="Nothing recorded yet" />}
      {entries.length > 0 && (
        <div className="table-wrap card card--flush" tabIndex={0} role="region" aria-label="Audit entries">
          <table className="table">
            <caption className="visually-hidden">Admin actions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq}>
                  <td>{formatDateTime(entry.at)}</td>
                  <td>{entry.actorEmail ?? 'system'}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td dir="auto">
                    {entry.targetType} {describe(entry)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <Button onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
          {log.isFetchingNextPage ? 'Loading…' : 'Show older entries'}
        </Button>
      )}
    </>
  );
}
