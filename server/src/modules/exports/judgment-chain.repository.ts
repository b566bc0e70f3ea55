import { sql, type RawBuilder } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/database.js';
import { collectGarbage } from '../../lib/collect-garbage.js';
import {
  ChainVerifier,
  genesisHash,
  nextChainHash,
  type ChainedJudgment,
  type ChainVerification,
} from './judgment-chain.js';

/**
 * Advisory-lock namespace of the sealer (the first key of the two-key form), so that its per-task lock cannot collide
 * with another feature's single-key advisory lock on hashtext(task id). Two tasks whose ids hash alike only share a
 * lock: one waits a tick.
 */
const CHAIN_LOCK_NAMESPACE = 20_261_125;
/**
 * Judgments sealed per transaction: bounds the memory and the lock time of one step. Measured on a backlog of a million
 * (one run each): 2,000 sealed it in 44 s and left the server at 173 MiB RSS; 1,000 took 50 s and left 157 MiB; 500 took
 * 62 s and left 160 MiB. Live traffic seals a second's judgments at a time, far below any of these.
 */
const SEAL_BATCH = 1_000;
const VERIFY_BATCH = 5_000;
/**
 * A sealer run that chained at least this many judgments worked off a backlog (live traffic seals about a second's
 * worth a run): the server then collects its garbage at once (lib/collect-garbage.ts). Measured on a backlog of a
 * million: see docs/benchmarks.md, seventh pass.
 */
const BACKLOG_COLLECT_AFTER = 50_000;

/**
 * The chained fields of judgment `j` under the names the hash takes (a ChainedJudgment), with created_at as text to
 * the microsecond (a JS Date would drop them).
 */
export const chainedFields = sql`j.id, j.pair_id AS "pairId", j.rater_id AS "raterId", j.preference, j.choice,
  j.shown_a_first AS "shownAFirst", j.rationale, j.flags, j.time_ms AS "timeMs",
  to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt"`;

/** A row of a LEFT JOIN to judgments: the judgment's fields are all null when it is gone. */
type MaybeJudgment = ChainedJudgment | { [K in keyof ChainedJudgment]: null };

export interface ChainHead {
  /** The last sealed judgment's hash, or the genesis hash of a task with none. */
  head: string;
  /** Sealed judgments: the chain's length. */
  judgments: number;
}

/**
 * Seals committed judgments into their task's hash chain, after the fact: the judgment insert path only gains a queue
 * entry (a trigger writes it) and never serialises raters' submits per task. Sealing appends narrow rows to
 * `judgment_chain` and deletes the judgments' queue entries. Any number of nodes may run the sealer; a per-task
 * advisory lock makes one of them append at a time, and the table's unique keys would refuse a double append.
 */
export class JudgmentChainRepository {
  constructor(private readonly db: Database) {}

  /**
   * Seals every task's unsealed judgments (or one task's). In the background (`wait` false) a task whose lock another
   * node holds is skipped until the next tick; an export (`wait` true) waits for the lock, so that it includes every
   * judgment committed before it started. Returns the number sealed.
   */
  async sealPending(options: { taskId?: string; wait?: boolean } = {}): Promise<number> {
    const taskIds = options.taskId
      ? [options.taskId]
      : (
          await sql<{ task_id: string }>`
            SELECT DISTINCT task_id FROM judgment_seal_queue ORDER BY task_id`.execute(this.db)
        ).rows.map((r) => r.task_id);
    let sealed = 0;
    for (const taskId of taskIds) {
      for (;;) {
        const n = await this.sealBatch(taskId, options.wait ?? false);
        sealed += Math.max(n, 0);
        if (n < SEAL_BATCH) break; // drained, or skipped (-1: locked elsewhere)
      }
    }
    return sealed;
  }

  /**
   * Appends up to SEAL_BATCH queued judgments of a task, in `seq` order; −1 when another sealer holds the task. Queue
   * entries whose judgment is gone (its task or pair was deleted before it was sealed) are dropped.
   */
  private sealBatch(taskId: string, wait: boolean): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const lockKey = sql`${CHAIN_LOCK_NAMESPACE}::int4, hashtext(${taskId}::text)`;
      if (wait) await sql`SELECT pg_advisory_xact_lock(${lockKey})`.execute(tx);
      else {
        const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${lockKey}) AS locked`.execute(
          tx,
        );
        if (!rows[0]?.locked) return -1;
      }
      const queued = await sql<MaybeJudgment & { seq: number }>`
        SELECT q.seq, ${chainedFields}
        FROM judgment_seal_queue q LEFT JOIN judgments j ON j.id = q.judgment_id
        WHERE q.task_id = ${taskId}
        ORDER BY q.seq LIMIT ${SEAL_BATCH}`.execute(tx);
      if (queued.rows.length === 0) return 0;
      const head = await headOf(tx, taskId);
      let previous = head.head;
      let index = head.judgments;
      const ids: string[] = [];
      const indexes: number[] = [];
      const hashes: string[] = [];
      for (const row of queued.rows) {
        if (row.id === null) continue;
        previous = nextChainHash(previous, row);
        ids.push(row.id);
        indexes.push(index++);
        hashes.push(previous);
      }
      await sql`
        INSERT INTO judgment_chain (judgment_id, task_id, chain_index, chain_hash)
        SELECT v.id, ${taskId}, v.chain_index, v.chain_hash
        FROM unnest(${ids}::uuid[], ${indexes}::int8[], ${hashes}::text[]) AS v(id, chain_index, chain_hash)`.execute(
        tx,
      );
      const seqs = queued.rows.map((r) => r.seq);
      const dequeued = await sql`
        DELETE FROM judgment_seal_queue WHERE task_id = ${taskId} AND seq = ANY(${seqs}::int8[])`.execute(tx);
      if (Number(dequeued.numAffectedRows) !== seqs.length) throw new Error('The seal queue changed while sealing.');
      return queued.rows.length;
    });
  }

  head(taskId: string): Promise<ChainHead> {
    return headOf(this.db, taskId);
  }
}

/** The last link of a task's chain (no row before the first seal); `taskId` as a parameter or a literal. */
export function chainHeadQuery(taskId: RawBuilder<unknown>) {
  return sql<{ chain_index: number; chain_hash: string }>`
    SELECT chain_index, chain_hash FROM judgment_chain
    WHERE task_id = ${taskId}
    ORDER BY chain_index DESC LIMIT 1`;
}

async function headOf(db: Database, taskId: string): Promise<ChainHead> {
  const { rows } = await chainHeadQuery(sql`${taskId}`).execute(db);
  const last = rows[0];
  return last
    ? { head: last.chain_hash, judgments: last.chain_index + 1 }
    : { head: genesisHash(taskId), judgments: 0 };
}

/**
 * Recomputes a task's chain from the judgments as they are now, in batches (bounded memory), and reports the first
 * broken index: a link whose judgment was edited (mismatch) or removed, or a link that was removed (missing).
 * `expectHead`: a head from an earlier manifest, which must still occur in the chain.
 */
export async function verifyChain(
  db: Database,
  taskId: string,
  options: { expectHead?: string } = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(taskId, options.expectHead?.toLowerCase());
  let after = -1;
  for (;;) {
    // Named as StoredLink names them, so that a row is pushed as it is (no copy per link).
    const { rows } = await sql<MaybeJudgment & { chainIndex: number; chainHash: string }>`
      SELECT c.chain_index AS "chainIndex", c.chain_hash AS "chainHash", ${chainedFields}
      FROM judgment_chain c LEFT JOIN judgments j ON j.id = c.judgment_id
      WHERE c.task_id = ${taskId} AND c.chain_index > ${after}
      ORDER BY c.chain_index LIMIT ${VERIFY_BATCH}`.execute(db);
    let intact = true;
    for (const row of rows) {
      const ok = row.id === null ? verifier.removed(row.chainIndex) : verifier.push(row);
      if (!ok) {
        intact = false;
        break;
      }
    }
    if (!intact || rows.length < VERIFY_BATCH) break;
    after = rows.at(-1)!.chainIndex;
  }
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM judgment_seal_queue WHERE task_id = ${taskId}`.execute(db);
  return verifier.result(rows[0]?.n ?? 0);
}

/**
 * Runs the sealer every `intervalMs` (one run at a time), logging failures. `stop()` ends the timer and waits for a
 * run in progress, so the database can be closed right after.
 */
export function startSealer(chain: JudgmentChainRepository, logger: Logger, intervalMs = 1000): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = chain
      .sealPending()
      .then(
        (sealed) => {
          if (sealed >= BACKLOG_COLLECT_AFTER) collectGarbage();
        },
        (err: unknown) => logger.warn({ err }, 'sealing judgments failed'),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
