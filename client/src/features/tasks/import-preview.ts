/**
 * A look at the start of an import file before it is sent: its first rows and how its columns map onto a pair. Only
 * the first bytes are read (a 100 MB file is not loaded); the server still checks every line.
 */

export interface ColumnMapping {
  /** The file's column (CSV) or key path (JSON Lines). */
  source: string;
  /** What Anchor reads it as, or null when it is ignored. */
  target: string | null;
}

export interface ImportPreview {
  format: 'jsonl' | 'csv';
  columns: ColumnMapping[];
  /** The first rows, as strings per column (JSON values are shortened). */
  rows: string[][];
  /** Required fields no column provides. */
  missing: string[];
}

const PREVIEW_BYTES = 64 * 1024;
const PREVIEW_ROWS = 5;
const REQUIRED = ['prompt', 'response A', 'response B'];

const csvTargets: Record<string, string> = {
  external_id: 'external id',
  prompt: 'prompt',
  response_a: 'response A',
  response_b: 'response B',
  model_a: 'model of A',
  model_b: 'model of B',
  gold: 'gold answer',
};

const jsonTargets: Record<string, string> = {
  externalId: 'external id',
  prompt: 'prompt',
  'responseA.text': 'response A',
  'responseB.text': 'response B',
  'responseA.model': 'model of A',
  'responseB.model': 'model of B',
  gold: 'gold answer',
};

function shorten(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** RFC 4180 records from the start of a CSV file; the last, possibly cut, record is dropped. */
export function parseCsvStart(text: string, limit: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length && records.length < limit; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  return records;
}

function flattenKeys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'tags' && prefix === '' ? [`tags.*`] : flattenKeys(inner, prefix ? `${prefix}.${key}` : key),
  );
}

function pick(value: unknown, path: string): unknown {
  if (path === 'tags.*') return (value as { tags?: unknown }).tags;
  return path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
}

export function previewText(text: string, format: 'jsonl' | 'csv'): ImportPreview {
  if (format === 'csv') {
    const [header = [], ...rows] = parseCsvStart(text, PREVIEW_ROWS + 1);
    const columns = header.map((source) => {
      const key = source.trim().toLowerCase();
      return { source, target: csvTargets[key] ?? (key.startsWith('tag_') ? `tag “${key.slice(4)}”` : null) };
    });
    const mapped = new Set(columns.map((c) => c.target));
    return { format, columns, rows, missing: REQUIRED.filter((r) => !mapped.has(r)) };
  }
  const all = text.split('\n');
  if (text.length >= PREVIEW_BYTES) all.pop(); // cut off mid-line
  const lines = all.filter((line) => line.trim() !== '').slice(0, PREVIEW_ROWS);
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      return undefined;
    }
  });
  const keys: string[] = [];
  for (const value of parsed)
    if (value !== undefined) for (const key of flattenKeys(value)) if (!keys.includes(key)) keys.push(key);
  const columns = keys.map((source) => ({
    source,
    target: jsonTargets[source] ?? (source === 'tags.*' ? 'tags' : null),
  }));
  const rows = parsed.map((value, i) =>
    value === undefined ? [`Line ${i + 1} is not valid JSON`] : keys.map((key) => shorten(pick(value, key) ?? '')),
  );
  const mapped = new Set(columns.map((c) => c.target));
  return { format, columns, rows, missing: REQUIRED.filter((r) => !mapped.has(r)) };
}

export async function previewFile(file: File, format: 'jsonl' | 'csv'): Promise<ImportPreview> {
  return previewText(await file.slice(0, PREVIEW_BYTES).text(), format);
}

/** The rejected lines as a CSV file (line, message) for download. */
export function errorsCsv(errors: Array<{ line: number; message: string }>): string {
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return ['line,message', ...errors.map((e) => `${e.line},${quote(e.message)}`)].join('\r\n') + '\r\n';
}
