import { sql, type RawBuilder } from 'kysely';
import type { ExportFilters, ExportFormat } from '@anchor/shared';
import { chainHeadQuery } from './judgment-chain.repository.js';

/**
 * The SQL behind every export, built as text with literals only.
 *
 * COPY cannot take bind parameters ($1), so each value an export depends on is written into the statement as a
 * literal; the statistics queries reuse the same text so that they describe exactly the rows the COPY writes. That is
 * safe because every value is validated before it gets here (shared/src/schemas/exports.ts) and checked again by the
 * literal helpers below, and because strings are escaped for both settings of `standard_conforming_strings`:
 * kysely's `sql.lit` only doubles single quotes, which a backslash could defeat if that setting were ever off, so
 * text goes through `textLiteral` (an E'…' literal with backslashes and quotes escaped) instead.
 */
type Sql = RawBuilder<unknown>;

export interface ExportPlan {
  taskId: string;
  format: ExportFormat;
  filters: ExportFilters;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const COUNTRY = /^[A-Z]{2}$/;

function uuidLiteral(id: string): Sql {
  if (!UUID.test(id)) throw new Error('Export queries only take a UUID task id.');
  return sql.raw(`'${id.toLowerCase()}'::uuid`);
}

/**
 * A text literal whatever `standard_conforming_strings` says: in E'…' a backslash always escapes, so backslashes are
 * doubled, and quotes are doubled. PostgreSQL text cannot hold NUL, so neither can this.
 */
export function textLiteral(value: string): Sql {
  if (value.includes('\u0000')) throw new Error('A text literal cannot hold NUL.');
  return sql.raw(`E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
}

function numberLiteral(value: number): Sql {
  if (!Number.isFinite(value)) throw new Error('A numeric literal must be finite.');
  return sql.raw(`${value}::numeric`);
}

function instantLiteral(iso: string): Sql {
  if (!ISO_INSTANT.test(iso)) throw new Error('An instant literal must be ISO-8601 UTC with milliseconds.');
  return sql.raw(`'${iso}'::timestamptz`);
}

function countryLiteral(country: string): Sql {
  if (!COUNTRY.test(country)) throw new Error('A country literal must be two upper-case letters.');
  return sql.raw(`'${country}'`);
}

/**
 * 'r_' + 64 bits of HMAC-SHA256(rater id). The key is the task id: a rater keeps one pseudonym throughout a task (and
 * in every export of it) but gets a different one in each task, so released datasets cannot be joined on raters. It
 * keeps users' UUIDs out of datasets; it is not a secret from admins, who can see both ids anyway.
 */
function raterPseudonym(raterId: Sql, task: Sql): Sql {
  return sql`'r_' || left(encode(hmac(${raterId}::text, ${task}::text, 'sha256'), 'hex'), 16)`;
}

/**
 * OWASP's CSV-injection defence: a cell that a spreadsheet would read as a formula (it starts with = + - @, a tab or
 * a carriage return) gets a leading single quote. Only text cells go through this; numbers stay numbers.
 */
function csvText(value: Sql): Sql {
  return sql`CASE WHEN left(${value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${value} ELSE ${value} END`;
}

/**
 * An instant in ISO 8601, UTC, with milliseconds ("2026-12-06T13:29:26.120Z", as JavaScript's toISOString writes it).
 * Not through to_char, which takes 1 µs a value on PostgreSQL 17 (two instants a judgment): the timestamp's own text
 * (the export's transaction sets DateStyle ISO), truncated to milliseconds with one microsecond added so that it
 * always has six fraction digits (PostgreSQL drops trailing zeros), cut after the third; 0.7 µs. For years 1 to 9999,
 * which now() stays within.
 */
export const isoUtc = (ts: Sql): Sql =>
  sql`left(replace((date_trunc('milliseconds', ${ts} AT TIME ZONE 'UTC') + interval '1 microsecond')::text, ' ', 'T'), 23) || 'Z'`;

/**
 * JSON text in SQL, byte for byte what `json_build_object` writes, assembled by concatenation: json_build_object looks
 * up every argument's type and output function on every row, and that made it most of an export's time (a judgment's
 * ten columns: 4.1–7.5 s per 1,000,000 rows as json_build_object, 1.9 s concatenated, on PostgreSQL 15). Each helper gives
 * a value's JSON text, never NULL; `json_build_object` and `to_json` write values through the same code
 * (datum_to_json), so `of` is exact for every type and the others are shortcuts for types whose text already is the
 * JSON json_build_object writes.
 */
const json = {
  /** Any value, through to_json. */
  of: (value: Sql): Sql => sql`coalesce(to_json(${value})::text, 'null')`,
  /** Integers, booleans, json and jsonb: their text is their JSON (not numeric or float: NaN becomes a string). */
  literal: (value: Sql): Sql => sql`coalesce((${value})::text, 'null')`,
  /** Text that JSON never escapes (uuids, ISO instants, fixed ASCII): its text in quotes. */
  unescaped: (value: Sql): Sql => sql`coalesce('"' || (${value})::text || '"', 'null')`,
};

const JSON_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `"name" : ` after `{` or `, `, as json_build_object separates keys (only the fixed names in this file). */
function keyText(name: string, first: boolean): Sql {
  if (!JSON_KEY.test(name)) throw new Error(`Not a plain JSON key: ${name}`);
  return sql.lit(`${first ? '{' : ', '}"${name}" : `);
}

/**
 * The text of `json_build_object(required…)` (values given as JSON text, see `json`) with `optional` keys appended
 * only when their (plain SQL) value is not null: json_build_object would write null, and json_strip_nulls would also
 * strip nulls inside nested values (prompts, tags).
 */
function jsonObject(required: Array<[string, Sql]>, optional: Array<[string, Sql]> = []): Sql {
  if (required.length === 0) throw new Error('A JSON object needs a required key.');
  const parts = required.map(([name, value], i) => sql`${keyText(name, i === 0)} || (${value})`);
  const tail = optional.map(([name, value]) => sql`coalesce(${keyText(name, false)} || to_json(${value})::text, '')`);
  return concatenated([...parts, ...tail, sql`'}'`]);
}

/**
 * `a || b || …` as a balanced tree: a left-to-right chain copies the growing text once per operator (an annotation is
 * 43 pieces), a tree about log2(n) times (4 % of the annotations' CPU on PostgreSQL 17).
 */
function concatenated(pieces: Sql[]): Sql {
  if (pieces.length === 1) return pieces[0]!;
  const half = Math.ceil(pieces.length / 2);
  return sql`(${concatenated(pieces.slice(0, half))} || ${concatenated(pieces.slice(half))})`;
}

/** dpo, reward, kto and openai: one verdict per row, chosen and rejected. */
const PAIR_FORMATS: ReadonlySet<ExportFormat> = new Set(['dpo', 'reward', 'kto', 'openai']);

export function isPairFormat(format: ExportFormat): boolean {
  return PAIR_FORMATS.has(format);
}

/** Whether the plan needs per-pair verdicts (and with them the agreement filter). */
function needsVerdicts(plan: ExportPlan): boolean {
  return isPairFormat(plan.format) || plan.format === 'disagreements' || plan.filters.minAgreement > 0;
}

interface Predicates {
  task: Sql;
  /** Over `judgments j JOIN pairs p JOIN users u LEFT JOIN task_raters tr`; each is true or false, never null. */
  gold: Sql;
  pair: Sql;
  judgment: Sql;
  rater: Sql;
}

function predicates(plan: ExportPlan): Predicates {
  const f = plan.filters;
  const tagKeys = Object.keys(f.tags);
  const judgment: Sql[] = [];
  if (f.country !== null) judgment.push(sql`u.country = ${countryLiteral(f.country)}`);
  if (f.from !== null) judgment.push(sql`j.created_at >= ${instantLiteral(f.from)}`);
  if (f.to !== null) judgment.push(sql`j.created_at < ${instantLiteral(f.to)}`);
  return {
    task: uuidLiteral(plan.taskId),
    gold: f.includeGold ? sql`true` : sql`p.gold IS NULL`,
    // Containment of {"KEY": "VALUE", …}: every requested tag, exactly.
    pair: tagKeys.length > 0 ? sql`p.tags @> ${textLiteral(JSON.stringify(f.tags))}::jsonb` : sql`true`,
    judgment: judgment.length > 0 ? sql`coalesce(${sql.join(judgment, sql` AND `)}, false)` : sql`true`,
    rater: sql`tr.status IS DISTINCT FROM 'paused'`,
  };
}

const judgmentJoins = sql`
  FROM judgments j
  JOIN pairs p ON p.id = j.pair_id
  JOIN users u ON u.id = j.rater_id
  LEFT JOIN task_raters tr ON tr.task_id = j.task_id AND tr.rater_id = j.rater_id`;

/** A pair's verdict as −1 (A), 1 (B) or 0 (tie), from its aggregate row `a`. */
function verdictOf(plan: ExportPlan): Sql {
  return plan.filters.aggregate === 'majority'
    ? sql`CASE WHEN a.a_votes > a.b_votes THEN -1 WHEN a.b_votes > a.a_votes THEN 1 ELSE 0 END`
    : sql`CASE WHEN a.total < 0 THEN -1 WHEN a.total > 0 THEN 1 ELSE 0 END`;
}

/**
 * The common table expressions:
 * - `kept`: the task's judgments left after the gold, tag, country, date and paused-rater filters, each with the few
 *   columns of its pair that rows need (`pair_seq`, `pair_external_id`, `pair_gold`, `pair_model_a`,
 *   `pair_model_b`): the filter joins the pair anyway, and joining it again for them cost 0.5 s a million judgments;
 * - `agg`, `verdicts`, `passed` (when needed): per pair, its vote counts, its verdict, how many votes agree with the
 *   verdict, and the pairs whose share of agreeing votes reaches minAgreement (compared exactly, in numeric);
 * - `behind` (unless `withBehind` is false): the judgments behind the export's rows.
 *
 * A CTE referenced twice is computed once into a tuplestore, and a reference counts even from a CTE that nothing uses:
 * rows built from `passed` alone leave `behind` out, or `kept`'s million judgments would be stored before the first row.
 */
function ctes(plan: ExportPlan, withBehind = true): Sql {
  const p = predicates(plan);
  const parts: Sql[] = [
    sql`kept AS (
      SELECT j.*, p.seq AS pair_seq, p.external_id AS pair_external_id, p.gold AS pair_gold,
             p.model_a AS pair_model_a, p.model_b AS pair_model_b ${judgmentJoins}
      WHERE j.task_id = ${p.task} AND ${p.gold} AND ${p.pair} AND ${p.judgment} AND ${p.rater})`,
  ];
  if (needsVerdicts(plan)) {
    const votes =
      plan.format === 'disagreements'
        ? sql`, json_agg(json_build_object('raterId', ${raterPseudonym(sql`rater_id`, p.task)}, 'preference', preference) ORDER BY seq) AS votes`
        : sql``;
    const min = plan.filters.minAgreement;
    parts.push(
      sql`agg AS (
        SELECT pair_id, pair_seq, count(*)::int AS n, sum(preference)::int AS total,
               count(*) FILTER (WHERE preference < 0)::int AS a_votes,
               count(*) FILTER (WHERE preference > 0)::int AS b_votes,
               count(*) FILTER (WHERE preference = 0)::int AS tie_votes ${votes}
        FROM kept GROUP BY pair_id, pair_seq)`,
      sql`verdicts AS (
        SELECT a.*, v.verdict,
               CASE v.verdict WHEN -1 THEN a.a_votes WHEN 1 THEN a.b_votes ELSE a.tie_votes END AS agreeing
        FROM agg a CROSS JOIN LATERAL (SELECT ${verdictOf(plan)} AS verdict) v)`,
      sql`passed AS (
        SELECT * FROM verdicts ${min > 0 ? sql`WHERE agreeing >= ${numberLiteral(min)} * n` : sql``})`,
    );
  }
  if (withBehind) parts.push(sql`behind AS (${behindSelect(plan)})`);
  return sql`WITH ${sql.join(parts, sql`,\n`)}`;
}

function behindSelect(plan: ExportPlan): Sql {
  if (isPairFormat(plan.format)) {
    return plan.filters.aggregate === 'none'
      ? sql`SELECT k.* FROM kept k JOIN passed v ON v.pair_id = k.pair_id WHERE k.preference <> 0`
      : sql`SELECT k.* FROM kept k JOIN passed v ON v.pair_id = k.pair_id WHERE v.verdict <> 0`;
  }
  const from = needsVerdicts(plan) ? sql`kept k JOIN passed v ON v.pair_id = k.pair_id` : sql`kept k`;
  if (plan.format === 'battles') {
    return sql`SELECT k.* FROM ${from} WHERE k.pair_model_a IS NOT NULL AND k.pair_model_b IS NOT NULL`;
  }
  return sql`SELECT k.* FROM ${from}`;
}

/*
 * Rows come out in order without sorting what they are made of. Sorting the built rows (JSON of a judgment, or of a
 * pair with its texts) meant an external merge sort of the whole export on disk before its first byte (15 s of a
 * 20 s export of 1,000,000 judgments). So each row query sorts a narrow subquery (ids, numbers, short texts) and
 * builds the row's text after it, from its columns, in a nested loop that keeps that order; the outer ORDER BY
 * repeats the subquery's, which the planner sees as already satisfied (no second Sort in EXPLAIN). Wide or costly
 * parts are looked up after the sort with a lateral subquery per row, fenced with OFFSET 0 so that it is not
 * flattened into a join (which the planner could make a hash join, whose output has no order, followed by a sort).
 */

/**
 * Values of row `row`'s rater, as `r.<name>` (expressions over the rater's `users` row `u`), computed once per rater
 * rather than once per row: PostgreSQL caches the lateral lookup's result by rater id (a Memoize node). The pseudonym
 * alone, an HMAC, cost 2.9 s per 1,000,000 judgments.
 */
function raterValues(row: string, values: Record<string, Sql>): Sql {
  const list = Object.entries(values).map(([name, value]) => sql`${value} AS ${sql.ref(name)}`);
  return sql`CROSS JOIN LATERAL (
      SELECT ${sql.join(list)} FROM users u WHERE u.id = ${sql.ref(`${row}.rater_id`)} OFFSET 0) r`;
}

/** Row `row`'s pair as `p`, looked up after the rows are sorted: its wide texts are never sorted. */
function pairOf(row: string): Sql {
  return sql`CROSS JOIN LATERAL (SELECT * FROM pairs WHERE id = ${sql.ref(`${row}.pair_id`)} OFFSET 0) p`;
}

/**
 * The verdict rows of the pair formats: one per decided pair (mean, majority) or per non-tie judgment (none), with
 * `margin` ≥ 0: |mean preference| (mean), (winning − losing votes) / judgments (majority), |preference| (none).
 */
function winsSelect(plan: ExportPlan): Sql {
  if (plan.filters.aggregate === 'none') {
    return sql`SELECT k.pair_id, k.pair_seq, CASE WHEN k.preference < 0 THEN -1 ELSE 1 END AS verdict,
        abs(k.preference)::float8 AS margin, NULL::float8 AS mean, NULL::int AS n,
        k.id AS judgment_id, k.rater_id, k.preference, k.seq AS jseq
      FROM behind k`;
  }
  const margin =
    plan.filters.aggregate === 'majority'
      ? sql`abs(v.b_votes - v.a_votes)::float8 / v.n::float8`
      : sql`abs(v.total)::float8 / v.n::float8`;
  return sql`SELECT v.pair_id, v.pair_seq, v.verdict, ${margin} AS margin, v.total::float8 / v.n::float8 AS mean, v.n,
      NULL::uuid AS judgment_id, NULL::uuid AS rater_id, NULL::int AS preference, 0::int8 AS jseq
    FROM passed v WHERE v.verdict <> 0`;
}

/**
 * dpo (TRL's standard or conversational preference format, by the prompt's shape), reward (dpo + margin), kto (TRL's
 * unpaired format: the chosen completion labelled true, then the rejected one labelled false) and openai (OpenAI's
 * preference fine-tuning format). Rows in import order of the pairs (then judgment order).
 */
function pairFormatSelect(plan: ExportPlan): Sql {
  const task = uuidLiteral(plan.taskId);
  const none = plan.filters.aggregate === 'none';
  const completion = (text: Sql) =>
    json.literal(
      sql`CASE WHEN x.conversational THEN json_build_array(json_build_object('role', 'assistant', 'content', ${text})) ELSE to_json(${text}) END`,
    );
  const provenance: Array<[string, Sql]> = none
    ? [
        ['judgmentId', json.unescaped(sql`w.judgment_id`)],
        ['raterId', sql`r.pseudonym`],
        ['preference', json.literal(sql`w.preference`)],
      ]
    : [
        ['meanPreference', json.of(sql`w.mean`)],
        ['judgments', json.literal(sql`w.n`)],
      ];
  const ids: Array<[string, Sql]> = [
    ['pairId', json.unescaped(sql`p.id`)],
    ['externalId', json.of(sql`p.external_id`)],
  ];
  let row: Sql;
  let extraJoin = sql``;
  let extraOrder = sql``;
  switch (plan.format) {
    case 'kto':
      row = jsonObject([
        ['prompt', json.literal(sql`p.prompt`)],
        ['completion', completion(sql`CASE WHEN l.label THEN x.chosen ELSE x.rejected END`)],
        ['label', json.literal(sql`l.label`)],
        ...ids,
        ...(none ? provenance.slice(0, 2) : []),
      ]);
      extraJoin = sql`CROSS JOIN (VALUES (true), (false)) AS l(label)`;
      extraOrder = sql`, l.label DESC`;
      break;
    case 'openai': {
      const messages = sql`CASE WHEN x.conversational THEN p.prompt
        ELSE jsonb_build_array(jsonb_build_object('role', 'user', 'content', p.prompt #>> '{}')) END`;
      const output = (text: Sql) =>
        json.literal(sql`json_build_array(json_build_object('role', 'assistant', 'content', ${text}))`);
      row = jsonObject([
        ['input', json.literal(sql`json_build_object('messages', ${messages})`)],
        ['preferred_output', output(sql`x.chosen`)],
        ['non_preferred_output', output(sql`x.rejected`)],
      ]);
      break;
    }
    default:
      row = jsonObject(
        [
          ['prompt', json.literal(sql`p.prompt`)],
          ['chosen', completion(sql`x.chosen`)],
          ['rejected', completion(sql`x.rejected`)],
          ...(plan.format === 'reward' ? [['margin', json.of(sql`w.margin`)] as [string, Sql]] : []),
          ...ids,
          ...provenance,
          ['tags', json.literal(sql`p.tags`)],
        ],
        [
          ['chosenModel', sql`x.chosen_model`],
          ['rejectedModel', sql`x.rejected_model`],
        ],
      );
  }
  // Aggregated rows have one row a pair (jseq is 0): ordering by it too would add an (incremental) sort.
  const order = (row: string) =>
    sql.join((none ? ['pair_seq', 'jseq'] : ['pair_seq']).map((c) => sql.ref(`${row}.${c}`)));
  const raters = none ? raterValues('w', { pseudonym: json.unescaped(raterPseudonym(sql`u.id`, task)) }) : sql``;
  return sql`
    SELECT ${row}
    FROM (SELECT * FROM (${winsSelect(plan)}) v ORDER BY ${order('v')}) w
    ${pairOf('w')}
    ${raters}
    CROSS JOIN LATERAL (
      SELECT CASE WHEN w.verdict < 0 THEN p.response_a ELSE p.response_b END AS chosen,
             CASE WHEN w.verdict < 0 THEN p.response_b ELSE p.response_a END AS rejected,
             CASE WHEN w.verdict < 0 THEN p.model_a ELSE p.model_b END AS chosen_model,
             CASE WHEN w.verdict < 0 THEN p.model_b ELSE p.model_a END AS rejected_model,
             jsonb_typeof(p.prompt) = 'array' AS conversational
    ) x
    ${extraJoin}
    ORDER BY ${order('w')}${extraOrder}`;
}

/**
 * The judgments behind the rows, in `seq` order, as `k`: the judgment with its pair's columns (from `kept`), its
 * task's and assignment's, and its link in the task's chain (null until sealed), for the annotations and the CSV.
 */
const annotatedJudgments = sql`(
    SELECT k.*, t.scale_points, a.leased_at, a.quota_group, c.chain_index, c.chain_hash
    FROM behind k
    JOIN tasks t ON t.id = k.task_id
    JOIN assignments a ON a.id = k.assignment_id
    LEFT JOIN judgment_chain c ON c.judgment_id = k.id
    ORDER BY k.seq) k`;

/**
 * One JSON object per judgment (also the rows of the Parquet file). `country`, `languages` and `raterAttributes` are
 * the rater's current profile; `leasedAt`…`createdAt` is how long the item was open; `chainIndex`/`chainHash` its
 * place in the task's tamper-evident chain (null until sealed, within a second).
 */
function annotationsSelect(plan: ExportPlan): Sql {
  const task = uuidLiteral(plan.taskId);
  return sql`
    SELECT ${jsonObject([
      ['judgmentId', json.unescaped(sql`k.id`)],
      ['pairId', json.unescaped(sql`k.pair_id`)],
      ['externalId', json.of(sql`k.pair_external_id`)],
      ['raterId', sql`r.pseudonym`],
      ['preference', json.literal(sql`k.preference`)],
      ['choice', json.literal(sql`k.choice`)],
      ['shownAFirst', json.literal(sql`k.shown_a_first`)],
      ['rationale', json.of(sql`k.rationale`)],
      ['flags', json.of(sql`k.flags`)],
      ['timeMs', json.literal(sql`k.time_ms`)],
      ['createdAt', json.unescaped(isoUtc(sql`k.created_at`))],
      ['country', sql`r.country`],
      ['languages', sql`r.languages`],
      ['scalePoints', json.literal(sql`k.scale_points`)],
      ['shownLeft', json.unescaped(sql`CASE WHEN k.shown_a_first THEN 'A' ELSE 'B' END`)],
      ['leasedAt', json.unescaped(isoUtc(sql`k.leased_at`))],
      ['raterAttributes', sql`r.attributes`],
      ['quotaGroup', json.of(sql`k.quota_group`)],
      ['gold', json.of(sql`k.pair_gold`)],
      ['chainIndex', json.literal(sql`k.chain_index`)],
      ['chainHash', json.of(sql`k.chain_hash`)],
    ])}
    FROM ${annotatedJudgments}
    ${raterValues('k', {
      pseudonym: json.unescaped(raterPseudonym(sql`u.id`, task)),
      country: json.of(sql`u.country`),
      languages: json.of(sql`u.languages`),
      attributes: json.literal(sql`u.attributes`),
    })}
    ORDER BY k.seq`;
}

/** The CSV's columns, in order (lists joined with ';', rater attributes as JSON). */
export const CSV_COLUMNS = [
  'judgment_id',
  'pair_id',
  'external_id',
  'rater_id',
  'preference',
  'choice',
  'shown_a_first',
  'rationale',
  'flags',
  'time_ms',
  'created_at',
  'country',
  'languages',
  'scale_points',
  'shown_left',
  'leased_at',
  'rater_attributes',
  'quota_group',
  'gold',
  'chain_index',
  'chain_hash',
] as const;

function csvSelect(plan: ExportPlan): Sql {
  const task = uuidLiteral(plan.taskId);
  const columns: Record<(typeof CSV_COLUMNS)[number], Sql> = {
    judgment_id: sql`k.id`,
    pair_id: sql`k.pair_id`,
    external_id: csvText(sql`k.pair_external_id`),
    rater_id: sql`r.pseudonym`,
    preference: sql`k.preference`,
    choice: sql`k.choice`,
    shown_a_first: sql`k.shown_a_first::text`,
    rationale: csvText(sql`k.rationale`),
    flags: csvText(sql`array_to_string(k.flags, ';')`),
    time_ms: sql`k.time_ms`,
    created_at: isoUtc(sql`k.created_at`),
    country: sql`r.country`,
    languages: sql`r.languages`,
    scale_points: sql`k.scale_points`,
    shown_left: sql`CASE WHEN k.shown_a_first THEN 'A' ELSE 'B' END`,
    leased_at: isoUtc(sql`k.leased_at`),
    rater_attributes: sql`r.attributes`,
    quota_group: csvText(sql`k.quota_group`),
    gold: sql`k.pair_gold`,
    chain_index: sql`k.chain_index`,
    chain_hash: sql`k.chain_hash`,
  };
  const list = CSV_COLUMNS.map((name) => sql`${columns[name]} AS ${sql.ref(name)}`);
  return sql`
    SELECT ${sql.join(list, sql`, `)}
    FROM ${annotatedJudgments}
    ${raterValues('k', {
      pseudonym: raterPseudonym(sql`u.id`, task),
      country: csvText(sql`u.country`),
      languages: csvText(sql`array_to_string(u.languages, ';')`),
      attributes: csvText(sql`u.attributes::text`),
    })}
    ORDER BY k.seq`;
}

/**
 * One row per judgment in Chatbot Arena's battle form, ties included; only pairs that name both models. `judge` is
 * the rater's pseudonym, `tstamp` the judgment's time in seconds since the epoch.
 */
function battlesSelect(plan: ExportPlan): Sql {
  const task = uuidLiteral(plan.taskId);
  return sql`
    SELECT ${jsonObject([
      ['model_a', json.of(sql`k.pair_model_a`)],
      ['model_b', json.of(sql`k.pair_model_b`)],
      [
        'winner',
        json.unescaped(
          sql`CASE WHEN k.preference < 0 THEN 'model_a' WHEN k.preference > 0 THEN 'model_b' ELSE 'tie' END`,
        ),
      ],
      ['judge', sql`r.pseudonym`],
      ['question_id', json.of(sql`k.pair_external_id`)],
      ['tstamp', json.of(sql`extract(epoch FROM k.created_at)`)],
      ['pair_id', json.unescaped(sql`k.pair_id`)],
      ['judgment_id', json.unescaped(sql`k.id`)],
    ])}
    FROM (SELECT * FROM behind ORDER BY seq) k
    ${raterValues('k', { pseudonym: json.unescaped(raterPseudonym(sql`u.id`, task)) })}
    ORDER BY k.seq`;
}

/**
 * One row per judged pair with every (kept) rater's vote, the vote counts per sign, and the soft label
 * pAOverB = (A votes + ½ tie votes) / judgments. `verdict` and `agreement` follow the chosen aggregate.
 */
function disagreementsSelect(): Sql {
  return sql`
    SELECT ${jsonObject([
      ['pairId', json.unescaped(sql`p.id`)],
      ['externalId', json.of(sql`p.external_id`)],
      ['prompt', json.literal(sql`p.prompt`)],
      ['responseA', json.of(sql`p.response_a`)],
      ['responseB', json.of(sql`p.response_b`)],
      ['modelA', json.of(sql`p.model_a`)],
      ['modelB', json.of(sql`p.model_b`)],
      ['tags', json.literal(sql`p.tags`)],
      ['votes', json.literal(sql`v.votes`)],
      ['counts', json.literal(sql`json_build_object('a', v.a_votes, 'b', v.b_votes, 'tie', v.tie_votes)`)],
      ['judgments', json.literal(sql`v.n`)],
      ['pAOverB', json.of(sql`(v.a_votes + 0.5 * v.tie_votes)::float8 / v.n::float8`)],
      ['meanPreference', json.of(sql`v.total::float8 / v.n::float8`)],
      ['verdict', json.unescaped(sql`CASE v.verdict WHEN -1 THEN 'A' WHEN 1 THEN 'B' ELSE 'tie' END`)],
      ['agreement', json.of(sql`v.agreeing::float8 / v.n::float8`)],
    ])}
    FROM (SELECT * FROM passed ORDER BY pair_seq) v
    ${pairOf('v')}
    ORDER BY v.pair_seq`;
}

function rowsSelect(plan: ExportPlan): Sql {
  if (isPairFormat(plan.format)) return pairFormatSelect(plan);
  switch (plan.format) {
    case 'annotations':
    case 'parquet': // the annotations, encoded as Parquet by export.service.ts
      return annotationsSelect(plan);
    case 'csv':
      return csvSelect(plan);
    case 'battles':
      return battlesSelect(plan);
    case 'disagreements':
      return disagreementsSelect();
    default:
      throw new Error(`No export query for ${plan.format}.`);
  }
}

/**
 * Every format but the CSV is one JSON text per row, COPYed in binary: each value goes out as its length and its
 * bytes, which copy-binary.ts turns into lines. The text and CSV modes would inspect every byte for escaping.
 */
export function copiesBinary(format: ExportFormat): boolean {
  return format !== 'csv';
}

export function copyStatement(plan: ExportPlan): Sql {
  const options = sql.raw(copiesBinary(plan.format) ? '(FORMAT binary)' : '(FORMAT csv, HEADER)');
  const rowsPerPair =
    plan.format === 'disagreements' || (isPairFormat(plan.format) && plan.filters.aggregate !== 'none');
  return sql`COPY (${ctes(plan, !rowsPerPair)} ${rowsSelect(plan)}) TO STDOUT WITH ${options}`;
}

export interface ExportStatsRow {
  judgments: number;
  pairs: number;
  raters: number;
  left_votes: number;
  non_tie: number;
  by_country: Record<string, number>;
  by_language: Record<string, number>;
  gold: number;
  filtered: number;
  paused_raters: number;
  unjudged: number;
  /** Pairs with a tie verdict (0 without verdicts). */
  tie_pairs: number;
  /** Tie judgments behind passing pairs (aggregate=none). */
  tie_judgments: number;
  below_agreement: number;
  no_models: number;
}

/** Everything the manifest counts, from the same CTEs as the COPY (run in the same snapshot). */
export function statsStatement(plan: ExportPlan): Sql {
  const p = predicates(plan);
  const verdicts = needsVerdicts(plan);
  const distinctRaters = sql`(SELECT DISTINCT rater_id FROM behind) r JOIN users u ON u.id = r.rater_id`;
  return sql`
    ${ctes(plan)}
    SELECT
      (SELECT count(*) FROM behind) AS judgments,
      (SELECT count(DISTINCT pair_id) FROM behind) AS pairs,
      (SELECT count(DISTINCT rater_id) FROM behind) AS raters,
      (SELECT count(*) FROM behind WHERE choice < 0) AS left_votes,
      (SELECT count(*) FROM behind WHERE choice <> 0) AS non_tie,
      (SELECT coalesce(json_object_agg(c, n ORDER BY c), '{}'::json)
         FROM (SELECT coalesce(u.country, 'unknown') AS c, count(*) AS n FROM ${distinctRaters} GROUP BY 1) x
      ) AS by_country,
      (SELECT coalesce(json_object_agg(l, n ORDER BY l), '{}'::json)
         FROM (SELECT l, count(*) AS n FROM ${distinctRaters} CROSS JOIN unnest(u.languages) AS l GROUP BY 1) x
      ) AS by_language,
      d.gold, d.filtered, d.paused_raters,
      (SELECT count(*) FROM pairs p WHERE p.task_id = ${p.task} AND ${p.gold} AND ${p.pair})
        - (SELECT count(DISTINCT pair_id) FROM kept) AS unjudged,
      ${verdicts ? sql`(SELECT count(*) FROM verdicts WHERE verdict = 0)` : sql`0::int8`} AS tie_pairs,
      ${
        verdicts
          ? sql`(SELECT count(*) FROM kept k JOIN passed v ON v.pair_id = k.pair_id WHERE k.preference = 0)`
          : sql`0::int8`
      } AS tie_judgments,
      ${
        verdicts
          ? sql`(SELECT count(*) FROM verdicts WHERE NOT (pair_id IN (SELECT pair_id FROM passed))
                  ${isPairFormat(plan.format) && plan.filters.aggregate !== 'none' ? sql`AND verdict <> 0` : sql``})`
          : sql`0::int8`
      } AS below_agreement,
      ${
        plan.format === 'battles'
          ? sql`(SELECT count(*) FROM ${needsVerdicts(plan) ? sql`kept k JOIN passed v ON v.pair_id = k.pair_id` : sql`kept k`}
                 JOIN pairs p ON p.id = k.pair_id WHERE p.model_a IS NULL OR p.model_b IS NULL)`
          : sql`0::int8`
      } AS no_models
    FROM (
      SELECT count(*) FILTER (WHERE NOT ${p.gold}) AS gold,
             count(*) FILTER (WHERE ${p.gold} AND NOT (${p.pair} AND ${p.judgment})) AS filtered,
             count(*) FILTER (WHERE ${p.gold} AND ${p.pair} AND ${p.judgment} AND NOT ${p.rater}) AS paused_raters
      ${judgmentJoins}
      WHERE j.task_id = ${p.task}
    ) d`;
}

/**
 * Krippendorff's coincidence matrix over the judgments behind the rows (as in progress.repository.ts): for each pair
 * with m ≥ 2 of them, every ordered pair of values from different raters adds 1/(m − 1). `sign` folds to −1/0/1.
 */
export function coincidenceStatement(plan: ExportPlan, sign: boolean): Sql {
  const value = sign ? sql`CASE WHEN preference < 0 THEN -1 WHEN preference > 0 THEN 1 ELSE 0 END` : sql`preference`;
  return sql`
    ${ctes(plan)},
    counts AS (SELECT pair_id, ${value} AS v, count(*)::float8 AS n FROM behind GROUP BY 1, 2),
    units AS (SELECT pair_id, sum(n) AS m FROM counts GROUP BY 1 HAVING sum(n) >= 2)
    SELECT c1.v AS c, c2.v AS k,
           sum(c1.n * (c2.n - CASE WHEN c1.v = c2.v THEN 1 ELSE 0 END) / (units.m - 1))::float8 AS o
    FROM counts c1 JOIN counts c2 USING (pair_id) JOIN units USING (pair_id)
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** The task's chain head in the export's snapshot. */
export function chainHeadStatement(plan: ExportPlan): Sql {
  return chainHeadQuery(uuidLiteral(plan.taskId));
}
