import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import type { ImportResult } from '@anchor/shared';
import { Alert, Button, Card, Field, ProgressBar } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { plural } from '@/lib/format';
import { errorsCsv, previewFile, type ImportPreview } from './import-preview';
import { importContentType, importFileAccept } from './tasks-api';
import { useImportPairs } from './use-tasks';

/** A file with many bad lines would make a page nobody reads; the rest are in the download. */
const SHOWN_LINE_ERRORS = 50;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function formatSkipped(skipped: number): string {
  return skipped === 0 ? 'none skipped' : `${plural(skipped, 'pair')} skipped (already imported)`;
}

/** The rejected lines as a downloadable CSV (an object URL, released when the summary goes). */
function useCsvUrl(result: ImportResult): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (result.errors.length === 0) return;
    const objectUrl = URL.createObjectURL(new Blob([errorsCsv(result.errors)], { type: 'text/csv' }));
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [result]);
  return url;
}

function ImportSummary({ result }: { result: ImportResult }) {
  const failed = result.errors.filter((e) => e.line > 0).length;
  const csvUrl = useCsvUrl(result);
  return (
    <div className="import-result">
      <Alert tone={failed > 0 ? 'info' : 'success'} title="Import finished">
        <p>
          {plural(result.inserted, 'pair')} added, {formatSkipped(result.skipped)}
          {failed > 0 && `, ${plural(failed, 'line')} rejected`}.
        </p>
      </Alert>
      {result.errors.length > 0 && (
        <>
          <div className="import-result__header">
            <h3 className="import-result__heading">Rejected lines</h3>
            {csvUrl && (
              <a className="button button--secondary button--small" href={csvUrl} download="rejected-lines.csv">
                Download rejected lines (CSV)
              </a>
            )}
          </div>
          <ul className="line-errors">
            {result.errors.slice(0, SHOWN_LINE_ERRORS).map((error) => (
              <li key={error.line}>
                {error.line > 0 && <span className="line-errors__line">Line {error.line}</span>} {error.message}
              </li>
            ))}
          </ul>
          {result.errors.length > SHOWN_LINE_ERRORS && (
            <p>…and {plural(result.errors.length - SHOWN_LINE_ERRORS, 'more line')}: see the download.</p>
          )}
        </>
      )}
    </div>
  );
}

function PreviewTable({ preview }: { preview: ImportPreview }) {
  return (
    <div className="import-preview">
      <h3 className="import-result__heading">Columns</h3>
      <ul className="column-map">
        {preview.columns.map((column) => (
          <li key={column.source}>
            <code>{column.source}</code> →{' '}
            {column.target ? <strong>{column.target}</strong> : <span className="muted">ignored</span>}
          </li>
        ))}
      </ul>
      {preview.missing.length > 0 && (
        <Alert tone="info">No column for {preview.missing.join(', ')}: rows without them will be rejected.</Alert>
      )}
      <h3 className="import-result__heading">First rows</h3>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="First rows table">
        <table className="table table--compact">
          <caption className="visually-hidden">The first rows of the file</caption>
          <thead>
            <tr>
              {preview.columns.map((column) => (
                <th key={column.source} scope="col">
                  {column.source}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j} dir="auto">
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * Upload a JSON Lines or CSV file of pairs: drop it or choose it, check the first rows and the column mapping, send it
 * with a progress bar, and read (or download) the lines that were rejected. Re-sending the same file is safe: known
 * external ids are skipped.
 */
export function ImportPairs({ taskId }: { taskId: string }) {
  const importPairs = useImportPairs(taskId);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [dragging, setDragging] = useState(false);
  // A new key empties the file input after a successful import.
  const [inputKey, setInputKey] = useState(0);
  const abort = useRef<AbortController | null>(null);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setPreview(null);
    setFileError(undefined);
    importPairs.reset();
    if (!chosen) return;
    const contentType = importContentType(chosen.name);
    if (!contentType) {
      setFileError('Choose a .jsonl, .ndjson or .csv file.');
      return;
    }
    void previewFile(chosen, contentType === 'text/csv' ? 'csv' : 'jsonl').then(setPreview, () => setPreview(null));
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0] ?? null);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) return;
    const contentType = importContentType(file.name);
    if (!contentType) {
      setFileError('Choose a .jsonl, .ndjson or .csv file.');
      return;
    }
    abort.current = new AbortController();
    importPairs.mutate(
      { file, contentType, signal: abort.current.signal },
      {
        onSuccess: () => {
          setFile(null);
          setPreview(null);
          setInputKey((k) => k + 1);
        },
      },
    );
  };

  const progress = importPairs.progress;
  return (
    <Card title="Import pairs">
      <form className="form" onSubmit={submit}>
        <div
          className={dragging ? 'drop-zone drop-zone--active' : 'drop-zone'}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Field
            label="Pairs file"
            hint="Drop a file here or choose one: JSON Lines (.jsonl, .ndjson) with one pair per line, or CSV (.csv) with external_id, prompt, response_a and response_b columns (model_a, model_b, gold and tag_* too)."
            error={fileError}
          >
            {(control) => (
              <input
                {...control}
                key={inputKey}
                type="file"
                accept={importFileAccept}
                onChange={(event) => choose(event.target.files?.[0] ?? null)}
              />
            )}
          </Field>
          {file && (
            <p className="drop-zone__file">
              {file.name}, {formatBytes(file.size)}
            </p>
          )}
        </div>
        {preview && !importPairs.isPending && <PreviewTable preview={preview} />}
        {importPairs.isPending && progress && (
          <div className="import-progress">
            <ProgressBar label="Upload" value={progress.sent} max={progress.total} />
            <p className="muted" aria-hidden="true">
              {progress.sent < progress.total
                ? `Sent ${formatBytes(progress.sent)} of ${formatBytes(progress.total)}`
                : 'Sent; the server is storing the pairs…'}
            </p>
          </div>
        )}
        <div className="form__actions">
          <Button type="submit" variant="primary" disabled={!file || Boolean(fileError) || importPairs.isPending}>
            {importPairs.isPending ? 'Importing…' : 'Import'}
          </Button>
          {importPairs.isPending && (
            <Button variant="ghost" onClick={() => abort.current?.abort()}>
              Cancel import
            </Button>
          )}
        </div>
      </form>
      {importPairs.isError && <Alert>{errorMessage(importPairs.error)}</Alert>}
      {importPairs.data && <ImportSummary result={importPairs.data} />}
    </Card>
  );
}
