import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { pairInput, type PairInput } from '@anchor/shared';
import { errors } from '../../errors.js';
import { friendlyError, issuesToDetails, summarise, unstorable } from '../../lib/validation.js';

export type ImportFormat = 'jsonl' | 'csv';
export type ParsedLine = { line: number; pair: PairInput & { externalId: string } } | { line: number; error: string };

/** Content types accepted for pair imports. */
export function importFormatOf(contentType: string | undefined): ImportFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json-lines')
    return 'jsonl';
  if (type === 'text/csv') return 'csv';
  return undefined;
}

/** Pairs without an externalId get one from their content, so re-posting the same file is still safe. */
function withExternalId(pair: PairInput): PairInput & { externalId: string } {
  if (pair.externalId) return pair as PairInput & { externalId: string };
  const digest = createHash('sha256')
    .update(JSON.stringify([pair.prompt, pair.responseA.text, pair.responseB.text]))
    .digest('hex');
  return { ...pair, externalId: `auto-${digest.slice(0, 32)}` };
}

function validate(line: number, candidate: unknown): ParsedLine {
  // NUL characters, invalid Unicode and absurd nesting are refused per line, before PostgreSQL would fail the batch.
  const bad = unstorable(candidate);
  if (bad) return { line, error: `${bad.path} ${bad.message}` };
  const result = pairInput.safeParse(candidate, { error: friendlyError });
  if (!result.success) return { line, error: summarise(issuesToDetails(result.error)) };
  return { line, pair: withExternalId(result.data) };
}

/** One pair per non-blank line; a line that is not JSON or not a pair becomes an error naming its 1-based number. */
export async function* parseJsonLines(input: Readable): AsyncGenerator<ParsedLine> {
  if (input.errored) throw input.errored; // failed before the parser started (the size limit, on the first chunks)
  const lines = createInterface({ input, crlfDelay: Infinity });
  // readline does not pass its input's errors on (a body over the size limit, a connection cut): without this the
  // error would be thrown to nobody (crashing the process) and the import would wait forever.
  let failure: Error | undefined;
  input.once('error', (err) => {
    failure = err;
    lines.close();
  });
  let line = 0;
  for await (const text of lines) {
    if (failure) break;
    line++;
    if (text.trim() === '') continue;
    let candidate: unknown;
    try {
      candidate = JSON.parse(text);
    } catch {
      yield { line, error: 'This line is not valid JSON.' };
      continue;
    }
    yield validate(line, candidate);
  }
  if (failure) throw failure;
}

/** A CSV prompt cell holding a JSON message list becomes a conversation; anything else is a plain prompt. */
function csvPrompt(cell: string | undefined): unknown {
  if (cell?.trimStart().startsWith('[')) {
    try {
      return JSON.parse(cell);
    } catch {
      return cell;
    }
  }
  return cell;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Columns external_id, prompt, response_a, response_b, model_a, model_b, gold and tag_*; the header is line 1. */
export async function* parseCsvPairs(input: Readable): AsyncGenerator<ParsedLine> {
  if (input.errored) throw input.errored;
  const parser: Readable = input.pipe(
    parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  );
  // pipe() does not pass errors on: the parser fails with its input (a body over the size limit, a cut connection).
  input.once('error', (err) => parser.destroy(err));
  try {
    yield* csvRecords(parser);
  } catch (err) {
    // Malformed CSV (an unclosed quote, a stray quote inside a field…): the whole import is refused and rolled back,
    // with the line csv-parse stopped at. Size-limit and connection errors go through as they are.
    if (err instanceof CsvError) {
      throw errors.validation(`The CSV is not valid: ${err.message}`, [
        { path: 'body', message: err.message, ...(typeof err.lines === 'number' ? { line: err.lines } : {}) },
      ]);
    }
    throw err;
  }
}

async function* csvRecords(parser: Readable): AsyncGenerator<ParsedLine> {
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    const tags = Object.fromEntries(
      Object.entries(record)
        .filter(([k, v]) => k.startsWith('tag_') && v !== '')
        .map(([k, v]) => [k.slice(4), v]),
    );
    const modelA = blankToUndefined(record.model_a);
    const modelB = blankToUndefined(record.model_b);
    const gold = blankToUndefined(record.gold);
    const externalId = blankToUndefined(record.external_id);
    yield validate(info.lines, {
      ...(externalId ? { externalId } : {}),
      prompt: csvPrompt(record.prompt),
      responseA: { text: record.response_a ?? '', ...(modelA ? { model: modelA } : {}) },
      responseB: { text: record.response_b ?? '', ...(modelB ? { model: modelB } : {}) },
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(gold ? { gold } : {}),
    });
  }
}
