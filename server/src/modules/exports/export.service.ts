import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportFormat, ExportManifest } from '@anchor/shared';
import type { ExportRepository } from './export.repository.js';

export interface ExportFile {
  filename: string;
  contentType: string;
}

const files: Record<ExportFormat, { extension: string; contentType: string }> = {
  dpo: { extension: 'jsonl', contentType: 'application/x-ndjson; charset=utf-8' },
  annotations: { extension: 'jsonl', contentType: 'application/x-ndjson; charset=utf-8' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
};

/** An ASCII file-name stem from a task name ("Greetings — MENA" → "greetings-mena"), so the header needs no encoding. */
export function slugify(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
  return slug || fallback;
}

export class ExportService {
  constructor(private readonly exports: ExportRepository) {}

  file(task: { id: string; name: string }, format: ExportFormat): ExportFile {
    const { extension, contentType } = files[format];
    const stem = slugify(task.name, `task-${task.id.slice(0, 8)}`);
    return { filename: `${stem}-${format}.${extension}`, contentType };
  }

  /** The export's bytes, straight from PostgreSQL's COPY; the caller must consume or destroy the stream. */
  stream(taskId: string, format: ExportFormat): Promise<Readable> {
    return this.exports.stream(format, taskId);
  }

  /** Counts and digests the very bytes `stream` serves for the same data (one snapshot for both). */
  manifest(taskId: string, format: ExportFormat): Promise<ExportManifest> {
    return this.exports.snapshot(format, taskId, async (snapshot) => {
      const counts = await snapshot.counts();
      const hash = createHash('sha256');
      let bytes = 0;
      await pipeline(
        snapshot.copy(),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            bytes += chunk.length;
            callback();
          },
        }),
      );
      return {
        format,
        filters: {},
        counts: { rows: counts.rows, judgments: counts.judgments, pairs: counts.pairs },
        dropped: format === 'dpo' ? { ties: counts.ties, unjudged: counts.unjudged } : {},
        raters: counts.raters,
        sha256: hash.digest('hex'),
        bytes,
      };
    });
  }
}
