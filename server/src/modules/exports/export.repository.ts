import type { Readable } from 'node:stream';
import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { ExportFormat } from '@anchor/shared';
import type { Database } from '../../db/database.js';

/** What the manifest reports, counted in the same snapshot as the bytes it describes. */
export interface ExportCounts {
  rows: number;
  judgments: number;
  pairs: number;
  raters: number;
  /** dpo only: judged pairs whose preferences sum to 0. */
  ties: number;
  /** dpo only: pairs without a judgment. */
  unjudged: number;
}

/** One read-only snapshot: the counts and the COPY stream see exactly the same rows. */
export interface ExportSnapshot {
  counts(): Promise<ExportCounts>;
  copy(): Readable;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * COPY cannot take bind parameters ($1), so the task id has to be written into the statement as a literal.
 * That is safe only because it is checked to be a UUID first (it also comes from the tasks table, not the request),
 * and `sql.lit` still quotes it as a string literal.
 */
function taskLiteral(taskId: string): RawBuilder<string> {
  if (!UUID.test(taskId)) throw new Error('Export queries only take a UUID task id.');
  return sql.lit(taskId);
}

/** 'r_' + 64 bits of HMAC-SHA256(rater id). */
function raterPseudonym(raterId: RawBuilder<unknown>, secret: RawBuilder<string>): RawBuilder<string> {
  return sql<string>`'r_' || left(encode(hmac(${raterId}::text, ${secret}, 'sha256'), 'hex'), 16)`;
}

/**
 * OWASP's CSV-injection defence: a cell that a spreadsheet would read as a formula (it starts with = + - @, a tab or
 * a carriage return) gets a leading single quote. Only text cells go through this; numbers stay numbers.
 */
function csvText(value: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`CASE WHEN left(${value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${value} ELSE ${value} END`;
}

const isoUtc = (ts: RawBuilder<unknown>) => sql<string>`to_char(${ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Per-pair aggregate. The sum decides (sum 0 is a tie, checked exactly, never through a float mean). */
function pairAggregates(task: RawBuilder<string>): RawBuilder<unknown> {
  return sql`SELECT pair_id, sum(preference) AS total, count(*) AS n FROM judgments WHERE task_id = ${task} GROUP BY pair_id`;
}

/**
 * DPO rows in TRL's shape. A negative sum means A is better. A message-list prompt gives TRL's conversational form.
 * The optional model keys are spliced onto the end of the object's text so that a missing model leaves no key at all
 * (json_build_object would write null; json_strip_nulls would also strip nulls inside the prompt and tags).
 */
function dpoSelect(taskId: string): RawBuilder<unknown> {
  const task = taskLiteral(taskId);
  const completion = (text: RawBuilder<unknown>) =>
    sql`CASE WHEN w.conversational THEN json_build_array(json_build_object('role', 'assistant', 'content', ${text})) ELSE to_json(${text}) END`;
  return sql`
    WITH agg AS (${pairAggregates(task)})
    SELECT left(json_build_object(
             'prompt', p.prompt,
             'chosen', ${completion(sql`w.chosen`)},
             'rejected', ${completion(sql`w.rejected`)},
             'pairId', p.id,
             'externalId', p.external_id,
             'meanPreference', a.total::float8 / a.n::float8,
             'judgments', a.n,
             'tags', p.tags
           )::text, -1)
           || coalesce(', "chosenModel" : ' || to_json(w.chosen_model)::text, '')
           || coalesce(', "rejectedModel" : ' || to_json(w.rejected_model)::text, '')
           || '}'
    FROM pairs p
    JOIN agg a ON a.pair_id = p.id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN a.total < 0 THEN p.response_a ELSE p.response_b END AS chosen,
             CASE WHEN a.total < 0 THEN p.response_b ELSE p.response_a END AS rejected,
             CASE WHEN a.total < 0 THEN p.model_a ELSE p.model_b END AS chosen_model,
             CASE WHEN a.total < 0 THEN p.model_b ELSE p.model_a END AS rejected_model,
             jsonb_typeof(p.prompt) = 'array' AS conversational
    ) w
    WHERE p.task_id = ${task} AND a.total <> 0
    ORDER BY p.created_at, p.id`;
}

/**
 * The pseudonym's HMAC key is the task id: the same rater gets the same id throughout a task (and in every export of
 * it), but different ids in different tasks, so released datasets cannot be joined on raters. It hides the user's UUID
 * from dataset readers; it is not a secret from admins, who can see both ids anyway.
 */
function annotationsFrom(task: RawBuilder<string>): RawBuilder<unknown> {
  return sql`
    FROM judgments j
    JOIN pairs p ON p.id = j.pair_id
    JOIN users u ON u.id = j.rater_id
    JOIN tasks t ON t.id = j.task_id
    WHERE j.task_id = ${task}
    ORDER BY j.created_at, j.id`;
}

/** One JSON object per judgment. `country` and `languages` are the rater's current profile. */
function annotationsSelect(taskId: string): RawBuilder<unknown> {
  const task = taskLiteral(taskId);
  return sql`
    SELECT json_build_object(
             'judgmentId', j.id,
             'pairId', j.pair_id,
             'externalId', p.external_id,
             'raterId', ${raterPseudonym(sql`j.rater_id`, task)},
             'preference', j.preference,
             'choice', j.choice,
             'shownAFirst', j.shown_a_first,
             'rationale', j.rationale,
             'flags', j.flags,
             'timeMs', j.time_ms,
             'createdAt', ${isoUtc(sql`j.created_at`)},
             'country', u.country,
             'languages', u.languages,
             'scalePoints', t.scale_points
           )::text
    ${annotationsFrom(task)}`;
}

/** The annotations as CSV columns; lists are joined with ';'. */
function csvSelect(taskId: string): RawBuilder<unknown> {
  const task = taskLiteral(taskId);
  return sql`
    SELECT j.id AS judgment_id,
           j.pair_id AS pair_id,
           ${csvText(sql`p.external_id`)} AS external_id,
           ${raterPseudonym(sql`j.rater_id`, task)} AS rater_id,
           j.preference AS preference,
           j.choice AS choice,
           j.shown_a_first::text AS shown_a_first,
           ${csvText(sql`j.rationale`)} AS rationale,
           ${csvText(sql`array_to_string(j.flags, ';')`)} AS flags,
           j.time_ms AS time_ms,
           ${isoUtc(sql`j.created_at`)} AS created_at,
           ${csvText(sql`u.country`)} AS country,
           ${csvText(sql`array_to_string(u.languages, ';')`)} AS languages,
           t.scale_points AS scale_points
    ${annotationsFrom(task)}`;
}

/**
 * JSON Lines through COPY's CSV mode with a quote and a delimiter that never occur in JSON text (JSON escapes every
 * control character): each value is then written byte for byte, where text mode would double the backslashes.
 */
const JSON_LINES = sql.raw(`(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`);
const CSV_WITH_HEADER = sql.raw('(FORMAT csv, HEADER)');

function copyStatement(format: ExportFormat, taskId: string): RawBuilder<unknown> {
  switch (format) {
    case 'dpo':
      return sql`COPY (${dpoSelect(taskId)}) TO STDOUT WITH ${JSON_LINES}`;
    case 'annotations':
      return sql`COPY (${annotationsSelect(taskId)}) TO STDOUT WITH ${JSON_LINES}`;
    case 'csv':
      return sql`COPY (${csvSelect(taskId)}) TO STDOUT WITH ${CSV_WITH_HEADER}`;
  }
}

interface CountsRow {
  rows: number;
  judgments: number;
  pairs: number;
  raters: number;
  ties: number;
  unjudged: number;
}

/** Counts matching each format's COPY above (same joins, same conditions). Ordinary queries: bind parameters. */
function countsQuery(format: ExportFormat, taskId: string): RawBuilder<CountsRow> {
  if (format === 'dpo') {
    return sql<CountsRow>`
      WITH agg AS (${pairAggregates(sql<string>`${taskId}::uuid`)})
      SELECT count(*) FILTER (WHERE a.total <> 0) AS rows,
             coalesce(sum(a.n) FILTER (WHERE a.total <> 0), 0)::int8 AS judgments,
             count(*) FILTER (WHERE a.total <> 0) AS pairs,
             (SELECT count(DISTINCT j.rater_id)
                FROM judgments j JOIN agg x ON x.pair_id = j.pair_id
               WHERE j.task_id = ${taskId}::uuid AND x.total <> 0) AS raters,
             count(*) FILTER (WHERE a.total = 0) AS ties,
             count(*) FILTER (WHERE a.pair_id IS NULL) AS unjudged
      FROM pairs p
      LEFT JOIN agg a ON a.pair_id = p.id
      WHERE p.task_id = ${taskId}::uuid`;
  }
  return sql<CountsRow>`
    SELECT count(*) AS rows,
           count(*) AS judgments,
           count(DISTINCT j.pair_id) AS pairs,
           count(DISTINCT j.rater_id) AS raters,
           0::int8 AS ties,
           0::int8 AS unjudged
    FROM judgments j
    JOIN pairs p ON p.id = j.pair_id
    JOIN users u ON u.id = j.rater_id
    WHERE j.task_id = ${taskId}::uuid`;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class ExportRepository {
  constructor(
    private readonly db: Database,
    /** COPY needs a raw pg client: kysely's connections cannot run a streaming Submittable. */
    private readonly pool: pg.Pool,
  ) {}

  /** The COPY statement's text; it must carry no bind parameters (COPY rejects them). */
  private copyText(format: ExportFormat, taskId: string): string {
    const compiled = copyStatement(format, taskId).compile(this.db);
    if (compiled.parameters.length > 0) throw new Error('A COPY statement cannot take bind parameters.');
    return compiled.sql;
  }

  /**
   * Streams one export from a client of its own. The client goes back to the pool when the COPY ends; if the stream
   * fails or is destroyed first (the HTTP client went away), it is released with an error, which makes pg close the
   * connection: PostgreSQL then stops the COPY instead of writing into a socket nobody reads.
   */
  async stream(format: ExportFormat, taskId: string): Promise<Readable> {
    const text = this.copyText(format, taskId);
    const client = await this.pool.connect();
    let released = false;
    const release = (err?: Error) => {
      if (released) return;
      released = true;
      client.release(err);
    };
    try {
      const stream = client.query(copyTo(text));
      // Also keeps pg's late report of the closed connection (emitted on this stream) from being an uncaught error.
      stream.on('error', (err) => release(err));
      stream.on('end', () => release());
      stream.on('close', () => release(new Error('The export stream was closed before the COPY finished.')));
      return stream;
    } catch (err) {
      release(asError(err));
      throw err;
    }
  }

  /**
   * Runs `fn` in a REPEATABLE READ, READ ONLY transaction, so that the counts and the COPY describe the same data even
   * while raters keep submitting.
   */
  async snapshot<T>(format: ExportFormat, taskId: string, fn: (snapshot: ExportSnapshot) => Promise<T>): Promise<T> {
    const text = this.copyText(format, taskId);
    const counts = countsQuery(format, taskId).compile(this.db);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn({
        counts: async () => {
          const { rows } = await client.query<CountsRow>(counts.sql, [...counts.parameters]);
          const row = rows[0];
          if (!row) throw new Error('The export counts query returned no row.');
          return row;
        },
        copy: () => {
          const stream = client.query(copyTo(text));
          stream.on('error', () => {
            // Reported to whoever consumes the stream; this listener only keeps a late report from being uncaught.
          });
          return stream;
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
