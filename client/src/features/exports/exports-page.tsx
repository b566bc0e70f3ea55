import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { EXPORT_FORMATS, type ExportFormat, type ExportLogEntry, type ExportManifest } from '@anchor/shared';
import { Alert, ButtonLink, Card, ErrorMessage, Field, Loading, PageHeader } from '@/components/ui';
import { apiJson } from '@/lib/api';
import { formatCount, formatDateTime, plural } from '@/lib/format';
import { formatDescriptions } from './export-links';

/** The aggregates the exports module knows (kept here: the schema module would bring zod into the bundle). */
const aggregates = [
  { value: 'mean', label: 'Mean preference' },
  { value: 'majority', label: 'Majority vote' },
  { value: 'none', label: 'None: one row per judgment' },
] as const;

interface Filters {
  aggregate: string;
  minAgreement: string;
  includeGold: boolean;
  country: string;
  from: string;
  to: string;
  tags: string;
}

const initialFilters: Filters = {
  aggregate: 'mean',
  minAgreement: '',
  includeGold: false,
  country: '',
  from: '',
  to: '',
  tags: '',
};

/** The query string of an export and its manifest: only the filters that narrow something. */
export function exportQuery(format: ExportFormat, filters: Filters): string {
  const query = new URLSearchParams({ format });
  if (filters.aggregate !== 'mean') query.set('aggregate', filters.aggregate);
  if (filters.minAgreement.trim()) query.set('minAgreement', filters.minAgreement.trim());
  if (filters.includeGold) query.set('includeGold', 'true');
  if (filters.country.trim()) query.set('country', filters.country.trim());
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  for (const pair of filters.tags.split(',')) {
    const [key, value] = pair.split('=').map((part) => part.trim());
    if (key && value !== undefined) query.set(`tag.${key}`, value);
  }
  return query.toString();
}

function Counts({ manifest }: { manifest: ExportManifest }) {
  const dropped = Object.entries(manifest.dropped).filter(([, n]) => n > 0);
  return (
    <div className="export-counts" data-testid="export-counts">
      <p className="progress-summary">
        <strong data-testid="export-rows">{formatCount(manifest.counts.rows)}</strong>{' '}
        {manifest.counts.rows === 1 ? 'row' : 'rows'} from {plural(manifest.counts.judgments, 'judgment')} on{' '}
        {plural(manifest.counts.pairs, 'pair')} by {plural(manifest.raters.count, 'rater')}
      </p>
      {dropped.length > 0 && (
        <p className="muted">Left out: {dropped.map(([why, n]) => `${formatCount(n)} ${why}`).join(', ')}.</p>
      )}
      <p className="muted">
        {(manifest.bytes / 1024).toFixed(1)} KB, SHA-256 <code className="hash">{manifest.sha256.slice(0, 16)}…</code>
      </p>
    </div>
  );
}

function PastExports({ taskId }: { taskId: string }) {
  const past = useQuery({
    queryKey: ['exports', taskId, 'log'],
    queryFn: async () =>
      (await apiJson<{ exports: ExportLogEntry[] }>(`/api/tasks/${encodeURIComponent(taskId)}/exports`)).exports,
  });
  return (
    <Card title="Past exports">
      {past.isPending && <Loading />}
      {past.isError && <ErrorMessage error={past.error} />}
      {past.data?.length === 0 && <p className="muted">No exports downloaded yet.</p>}
      {past.data && past.data.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Past exports table">
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Format</th>
                <th scope="col" className="table__number">
                  Rows
                </th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody data-testid="past-exports">
              {past.data.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDateTime(entry.createdAt)}</td>
                  <td>{entry.actorEmail ?? '—'}</td>
                  <td>{entry.format}</td>
                  <td className="table__number">{entry.rows === null ? '—' : formatCount(entry.rows)}</td>
                  <td>
                    <code className="hash" title={entry.sha256}>
                      {entry.sha256.slice(0, 12)}…
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** Choose a format and filters, see how many rows that makes, download the file, and see what was taken before. */
export function ExportsPage({ taskId, taskName }: { taskId: string; taskName: string }) {
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<ExportFormat>('dpo');
  const [filters, setFilters] = useState(initialFilters);
  const query = useDeferredValue(exportQuery(format, filters));
  const base = `/api/tasks/${encodeURIComponent(taskId)}/export`;
  const manifest = useQuery({
    queryKey: ['exports', taskId, 'manifest', query],
    queryFn: async () => (await apiJson<{ manifest: ExportManifest }>(`${base}/manifest?${query}`)).manifest,
    retry: false,
  });
  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: event.target.value }));
  const refreshLog = () => {
    // The download is logged when its last byte is sent.
    for (const delay of [1000, 4000])
      setTimeout(() => void queryClient.invalidateQueries({ queryKey: ['exports', taskId, 'log'] }), delay);
  };

  return (
    <>
      <PageHeader
        title={`Export ${taskName}`}
        description="Datasets in the shapes trainers read, built from the judgments as they are now."
        actions={
          <ButtonLink to={`/admin/tasks/${taskId}`} variant="ghost">
            Back to the task
          </ButtonLink>
        }
      />
      <div className="detail-grid">
        <div className="detail-grid__main">
          <Card title="Format and filters">
            <div className="form">
              <Field label="Format" hint={formatDescriptions[format]}>
                {(control) => (
                  <select {...control} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
                    {EXPORT_FORMATS.map((f) => (
                      <option key={f} value={f}>
                        {f}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <div className="form__row">
                <Field label="Aggregate" hint="How a pair's judgments become one verdict">
                  {(control) => (
                    <select {...control} value={filters.aggregate} onChange={set('aggregate')}>
                      {aggregates.map((a) => (
                        <option key={a.value} value={a.value}>
                          {a.label}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Minimum agreement" hint="0 to 1; blank: any">
                  {(control) => (
                    <input
                      {...control}
                      inputMode="decimal"
                      value={filters.minAgreement}
                      onChange={set('minAgreement')}
                    />
                  )}
                </Field>
                <Field label="Rater country" hint="Two letters; blank: all">
                  {(control) => <input {...control} maxLength={2} value={filters.country} onChange={set('country')} />}
                </Field>
              </div>
              <div className="form__row">
                <Field label="Judged from" hint="Date, inclusive">
                  {(control) => <input {...control} type="date" value={filters.from} onChange={set('from')} />}
                </Field>
                <Field label="Judged before" hint="Date, exclusive">
                  {(control) => <input {...control} type="date" value={filters.to} onChange={set('to')} />}
                </Field>
                <Field label="Tags" hint="KEY=VALUE, comma-separated">
                  {(control) => <input {...control} value={filters.tags} onChange={set('tags')} />}
                </Field>
              </div>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={filters.includeGold}
                  onChange={(e) => setFilters((f) => ({ ...f, includeGold: e.target.checked }))}
                />
                Include gold checks
              </label>
            </div>
          </Card>
        </div>
        <div className="detail-grid__side">
          <Card title="What you will get">
            {manifest.isPending && <Loading label="Counting rows…" />}
            {manifest.isError && <Alert>{manifest.error.message}</Alert>}
            {manifest.data && <Counts manifest={manifest.data} />}
            <div className="form__actions">
              <a className="button button--primary" href={`${base}?${query}`} download onClick={refreshLog}>
                Download {format}
              </a>
              <a className="button button--ghost" href={`${base}/card?${query}`} download>
                Dataset card (README.md)
              </a>
            </div>
          </Card>
        </div>
      </div>
      <PastExports taskId={taskId} />
    </>
  );
}
