import { createHash } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportFilters, ExportFormat, ExportManifest } from '@anchor/shared';
import { fromEntries, krippendorffAlpha } from '../../quality/krippendorff.js';
import { datasetCard, type CardTask } from './dataset-card.js';
import type { ExportRepository, ExportStats } from './export.repository.js';
import { isPairFormat, type ExportPlan } from './export.sql.js';
import type { JudgmentChainRepository } from './judgment-chain.repository.js';
import { genesisHash } from './judgment-chain.js';
import { annotationsToParquet } from './parquet.js';

export interface ExportFile {
  filename: string;
  contentType: string;
}

const NDJSON = 'application/x-ndjson; charset=utf-8';
const files: Record<ExportFormat, { extension: string; contentType: string }> = {
  dpo: { extension: 'jsonl', contentType: NDJSON },
  reward: { extension: 'jsonl', contentType: NDJSON },
  kto: { extension: 'jsonl', contentType: NDJSON },
  openai: { extension: 'jsonl', contentType: NDJSON },
  annotations: { extension: 'jsonl', contentType: NDJSON },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  disagreements: { extension: 'jsonl', contentType: NDJSON },
  battles: { extension: 'jsonl', contentType: NDJSON },
  parquet: { extension: 'parquet', contentType: 'application/vnd.apache.parquet' },
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

/** The served bytes from the COPY's rows: as they are, or (parquet) the annotations encoded as a Parquet file. */
function encode(format: ExportFormat, rows: Readable): Readable {
  return format === 'parquet' ? annotationsToParquet(rows) : rows;
}

/** The manifest's row count: lines, CSV data rows or Parquet rows. */
function rowCount(format: ExportFormat, filters: ExportFilters, stats: ExportStats): number {
  if (isPairFormat(format)) {
    const verdicts = filters.aggregate === 'none' ? stats.judgments : stats.pairs;
    return format === 'kto' ? 2 * verdicts : verdicts;
  }
  return format === 'disagreements' ? stats.pairs : stats.judgments;
}

function droppedOf(format: ExportFormat, filters: ExportFilters, stats: ExportStats): Record<string, number> {
  const dropped: Record<string, number> = {
    gold: stats.gold,
    filtered: stats.filtered,
    pausedRaters: stats.paused_raters,
    unjudged: stats.unjudged,
    belowAgreement: stats.below_agreement,
  };
  if (isPairFormat(format)) dropped.ties = filters.aggregate === 'none' ? stats.tie_judgments : stats.tie_pairs;
  if (format === 'battles') dropped.noModels = stats.no_models;
  return dropped;
}

export class ExportService {
  constructor(
    private readonly exports: ExportRepository,
    private readonly chain: JudgmentChainRepository,
  ) {}

  file(task: { id: string; name: string }, format: ExportFormat): ExportFile {
    const { extension, contentType } = files[format];
    const stem = slugify(task.name, `task-${task.id.slice(0, 8)}`);
    return { filename: `${stem}-${format}.${extension}`, contentType };
  }

  /**
   * The export's bytes, streamed from PostgreSQL's COPY; the caller must consume or destroy the stream. Judgments
   * committed before the call are sealed into the task's chain first, so the export carries their chain positions.
   */
  async stream(
    taskId: string,
    format: ExportFormat,
    filters: ExportFilters,
    /** Sees the COPY output before encoding (the admin console counts rows there for its export log). */
    tap?: (rows: Readable) => Readable,
  ): Promise<Readable> {
    await this.chain.sealPending({ taskId, wait: true });
    const rows = await this.exports.stream({ taskId, format, filters });
    return encode(format, tap ? tap(rows) : rows);
  }

  /** Counts and digests the very bytes `stream` serves for the same data and filters (one snapshot for both). */
  async manifest(task: CardTask, format: ExportFormat, filters: ExportFilters): Promise<ExportManifest> {
    await this.chain.sealPending({ taskId: task.id, wait: true });
    const plan: ExportPlan = { taskId: task.id, format, filters };
    const manifest = await this.exports.snapshot(plan, async (snapshot) => {
      const stats = await snapshot.stats();
      const hash = createHash('sha256');
      let bytes = 0;
      await pipeline(
        encode(format, snapshot.copy()),
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
        filters,
        counts: { rows: rowCount(format, filters, stats), judgments: stats.judgments, pairs: stats.pairs },
        dropped: droppedOf(format, filters, stats),
        raters: { count: stats.raters, byCountry: stats.by_country, byLanguage: stats.by_language },
        agreement: {
          alphaOrdinal: krippendorffAlpha(fromEntries(stats.ordinal), 'ordinal'),
          alphaNominal: krippendorffAlpha(fromEntries(stats.nominal), 'nominal'),
        },
        positionBias: { leftShare: stats.non_tie > 0 ? stats.left_votes / stats.non_tie : null },
        sha256: hash.digest('hex'),
        bytes,
        chain: stats.chain
          ? { head: stats.chain.hash, judgments: stats.chain.index + 1 }
          : { head: genesisHash(task.id), judgments: 0 },
      };
    });
    return { ...manifest, datasetCard: datasetCard(task, manifest, this.file(task, format).filename) };
  }
}
