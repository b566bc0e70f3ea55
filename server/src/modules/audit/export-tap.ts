import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { ExportFormat } from '@anchor/shared';

/**
 * Counts an export's rows as the COPY output streams by: lines of JSON Lines (Parquet is encoded from the annotations'
 * lines), or CSV records, whose quoted fields may hold line breaks, less the header.
 */
export function rowCounter(format: ExportFormat): Transform & { rows(): number } {
  let lines = 0;
  let inQuotes = false;
  let pendingText = false;
  const csv = format === 'csv';
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!csv) {
        // JSON escapes every line break inside a value: count newlines with the native search, not byte by byte.
        for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
        if (chunk.length > 0) pendingText = chunk[chunk.length - 1] !== 0x0a;
        return callback(null, chunk);
      }
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === 0x22) inQuotes = !inQuotes; // "" inside quotes toggles twice: no net change
        if (byte === 0x0a && !inQuotes) {
          lines++;
          pendingText = false;
        } else pendingText = true;
      }
      callback(null, chunk);
    },
  });
  return Object.assign(counter, {
    rows: () => {
      const records = lines + (pendingText ? 1 : 0);
      return csv ? Math.max(0, records - 1) : records;
    },
  });
}

/** SHA-256 and size of the exact bytes served. */
export function digestTap(): Transform & { digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(tap, { digest: () => ({ sha256: hash.digest('hex'), bytes }) });
}
