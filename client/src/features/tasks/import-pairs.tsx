import { useState, type FormEvent } from 'react';
import type { ImportResult } from '@anchor/shared';
import { Alert, Button, Card, Field } from '@/components/ui';
import { errorMessage } from '@/lib/api';
import { plural } from '@/lib/format';
import { importContentType, importFileAccept } from './tasks-api';
import { useImportPairs } from './use-tasks';

/** A file with many bad lines would make a page nobody reads; the rest are summarized. */
const SHOWN_LINE_ERRORS = 50;

function ImportSummary({ result }: { result: ImportResult }) {
  const failed = result.errors.length;
  return (
    <div className="import-result">
      <Alert tone={failed > 0 ? 'info' : 'success'} title="Import finished">
        <p>
          {plural(result.inserted, 'pair')} added, {formatSkipped(result.skipped)}
          {failed > 0 && `, ${plural(failed, 'line')} rejected`}.
        </p>
      </Alert>
      {failed > 0 && (
        <>
          <h3 className="import-result__heading">Rejected lines</h3>
          <ul className="line-errors">
            {result.errors.slice(0, SHOWN_LINE_ERRORS).map((error) => (
              <li key={error.line}>
                <span className="line-errors__line">Line {error.line}</span> {error.message}
              </li>
            ))}
          </ul>
          {failed > SHOWN_LINE_ERRORS && <p>…and {plural(failed - SHOWN_LINE_ERRORS, 'more line')}.</p>}
        </>
      )}
    </div>
  );
}

function formatSkipped(skipped: number): string {
  return skipped === 0 ? 'none skipped' : `${plural(skipped, 'pair')} skipped (already imported)`;
}

/** Upload a JSON Lines or CSV file of pairs; re-posting the same file is safe (known external ids are skipped). */
export function ImportPairs({ taskId }: { taskId: string }) {
  const importPairs = useImportPairs(taskId);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  // A new key empties the file input after a successful import.
  const [inputKey, setInputKey] = useState(0);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) return;
    const contentType = importContentType(file.name);
    if (!contentType) {
      setFileError('Choose a .jsonl, .ndjson or .csv file.');
      return;
    }
    importPairs.mutate(
      { file, contentType },
      {
        onSuccess: () => {
          setFile(null);
          setInputKey((k) => k + 1);
        },
      },
    );
  };

  return (
    <Card title="Import pairs">
      <form className="form" onSubmit={submit}>
        <Field
          label="Pairs file"
          hint="JSON Lines (.jsonl, .ndjson) with one pair per line, or CSV (.csv) with external_id, prompt, response_a and response_b columns."
          error={fileError}
        >
          {(control) => (
            <input
              {...control}
              key={inputKey}
              type="file"
              accept={importFileAccept}
              onChange={(event) => {
                setFile(event.target.files?.[0] ?? null);
                setFileError(undefined);
              }}
            />
          )}
        </Field>
        <div className="form__actions">
          <Button type="submit" variant="primary" disabled={!file || importPairs.isPending}>
            {importPairs.isPending ? 'Importing…' : 'Import'}
          </Button>
        </div>
      </form>
      {importPairs.isError && <Alert>{errorMessage(importPairs.error)}</Alert>}
      {importPairs.data && <ImportSummary result={importPairs.data} />}
    </Card>
  );
}
