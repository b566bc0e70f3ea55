import { pipeline, type Readable } from 'node:stream';
import type { RawBuilder } from 'kysely';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Database } from '../../db/database.js';
import { coalesced } from '../../lib/coalesce.js';
import type { CoincidenceEntry } from '../../quality/krippendorff.js';
import { binaryCopyToLines } from './copy-binary.js';
import {
  chainHeadStatement,
  copiesBinary,
  coincidenceStatement,
  copyStatement,
  statsStatement,
  type ExportPlan,
  type ExportStatsRow,
} from './export.sql.js';

/** What the manifest reports, counted in the same snapshot as the bytes it describes. */
export interface ExportStats extends ExportStatsRow {
  ordinal: CoincidenceEntry[];
  nominal: CoincidenceEntry[];
  /** The task's chain head: null before its first sealed judgment. */
  chain: { index: number; hash: string } | null;
}

/** One read-only snapshot: the statistics and the COPY stream see exactly the same rows. */
export interface ExportSnapshot {
  stats(): Promise<ExportStats>;
  copy(): Readable;
}

/** The COPY's output as served: CSV as PostgreSQL writes it, the rest as lines (copy-binary.ts); in large chunks. */
function served(format: ExportPlan['format'], copy: Readable): Readable {
  // Errors reach the consumer through the last stream; the callback only keeps pipeline from reporting them twice.
  return copiesBinary(format) ? pipeline(copy, binaryCopyToLines(), () => {}) : coalesced(copy);
}

/**
 * How far the COPY may run ahead of the HTTP client: PostgreSQL keeps building rows while the server is busy with
 * the previous ones, instead of waiting on a full 16 kB stream buffer.
 */
const COPY_BUFFER = { highWaterMark: 1024 * 1024 };

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Settings for an export's own transaction (SET LOCAL: they end with it, never reaching the pool's other users).
 * - work_mem: an export sorts and hashes a whole task. With the default 4 MB its hash joins and sort spill to disk in
 *   batches (the annotations of 1,000,000 judgments: 7.3 s of CPU against 6.3 s with 64 MB, on PostgreSQL 15); with
 *   64 MB each parallel worker's sort still spilled 80 MB, and 128 MB brings the first byte 0.4 s sooner.
 * - Parallel workers stay as the server allows them: they scan, join and sort before the first row goes out, while
 *   the server has nothing to stream yet (the first byte of a million annotations after 3.2 s instead of 4.3 s).
 * - DateStyle ISO is what export.sql.ts writes instants from.
 */
const EXPORT_SETTINGS = "SET LOCAL work_mem = '128MB'; SET LOCAL datestyle = 'ISO, YMD'";

export class ExportRepository {
  constructor(
    private readonly db: Database,
    /** COPY needs a raw pg client: kysely's connections cannot run a streaming Submittable. */
    private readonly pool: pg.Pool,
  ) {}

  /**
   * A statement's text. Export statements carry no bind parameters: COPY rejects them, and the statistics reuse the
   * COPY's text (see export.sql.ts for why its literals are safe).
   */
  private text(statement: RawBuilder<unknown>): string {
    const compiled = statement.compile(this.db);
    if (compiled.parameters.length > 0) throw new Error('An export statement cannot take bind parameters.');
    return compiled.sql;
  }

  /**
   * Streams one export's rows from a client of its own, in a read-only transaction that carries the export's
   * settings. The client goes back to the pool when the COPY ends and the transaction is committed; if the stream
   * fails or is destroyed first (the HTTP client went away), it is released with an error, which makes pg close the
   * connection: PostgreSQL then stops the COPY instead of writing into a socket nobody reads.
   */
  async stream(plan: ExportPlan): Promise<Readable> {
    const text = this.text(copyStatement(plan));
    const client = await this.pool.connect();
    let released = false;
    const release = (err?: Error) => {
      if (released) return;
      released = true;
      client.release(err);
    };
    try {
      await client.query(`BEGIN READ ONLY; ${EXPORT_SETTINGS}`);
      const stream = client.query(copyTo(text, COPY_BUFFER));
      let copied = false;
      // Also keeps pg's late report of the closed connection (emitted on this stream) from being an uncaught error.
      stream.on('error', (err) => release(err));
      stream.on('end', () => {
        copied = true;
        client.query('COMMIT').then(
          () => release(),
          (err: unknown) => release(asError(err)),
        );
      });
      stream.on('close', () => {
        if (!copied) release(new Error('The export stream was closed before the COPY finished.'));
      });
      return served(plan.format, stream);
    } catch (err) {
      release(asError(err));
      throw err;
    }
  }

  /**
   * Runs `fn` in a REPEATABLE READ, READ ONLY transaction, so that the statistics and the COPY describe the same data
   * even while raters keep submitting.
   */
  async snapshot<T>(plan: ExportPlan, fn: (snapshot: ExportSnapshot) => Promise<T>): Promise<T> {
    const copy = this.text(copyStatement(plan));
    const stats = this.text(statsStatement(plan));
    const ordinal = this.text(coincidenceStatement(plan, false));
    const nominal = this.text(coincidenceStatement(plan, true));
    const head = this.text(chainHeadStatement(plan));
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${EXPORT_SETTINGS}`);
      const result = await fn({
        stats: async () => {
          const row = (await client.query<ExportStatsRow>(stats)).rows[0];
          if (!row) throw new Error('The export statistics query returned no row.');
          const ordinalRows = (await client.query<CoincidenceEntry>(ordinal)).rows;
          const nominalRows = (await client.query<CoincidenceEntry>(nominal)).rows;
          const last = (await client.query<{ chain_index: number; chain_hash: string }>(head)).rows[0];
          return {
            ...row,
            ordinal: ordinalRows,
            nominal: nominalRows,
            chain: last ? { index: last.chain_index, hash: last.chain_hash } : null,
          };
        },
        copy: () => {
          const stream = client.query(copyTo(copy, COPY_BUFFER));
          stream.on('error', () => {
            // Reported to whoever consumes the stream; this listener only keeps a late report from being uncaught.
          });
          return served(plan.format, stream);
        },
      });
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // Discard the connection: it may be in the middle of a COPY or an aborted transaction.
      client.release(asError(err));
      throw err;
    }
  }
}
