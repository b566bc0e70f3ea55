import { createHash } from 'node:crypto';

/**
 * The tamper-evident judgment chain, as pure functions (the database side is judgment-chain.repository.ts).
 *
 * Each task has one chain (table `judgment_chain`). Its judgments are appended in the order the sealer finds them
 * committed (`seq` order among those in the seal queue), at `chain_index` 0, 1, 2, … and
 *
 *   hash(−1) = SHA-256(UTF-8 of the task id, lower-case)                       (the genesis)
 *   hash(i)  = SHA-256(hash(i − 1) as 32 raw bytes ‖ UTF-8 of canonical(judgment i))
 *
 * stored as lower-case hex. `canonical` is `JSON.stringify` (ECMAScript's exact serialisation) of the array
 *
 *   [id, pairId, raterId, preference, choice, shownAFirst, rationale, flags, timeMs, createdAt]
 *
 * with ids as lower-case UUID strings, `rationale` and `timeMs` possibly null, `flags` an array of strings, and
 * `createdAt` the judgment's created_at in UTC with microseconds: "2026-11-25T10:00:00.123456Z". These are the fields
 * a judgment never changes after it is written, so editing any of them, or removing a judgment, changes every hash
 * from there on: a head hash published earlier (in an export manifest) then no longer occurs in the recomputed chain.
 */
export interface ChainedJudgment {
  id: string;
  pairId: string;
  raterId: string;
  preference: number;
  choice: number;
  shownAFirst: boolean;
  rationale: string | null;
  flags: string[];
  timeMs: number | null;
  /** UTC, microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  createdAt: string;
}

export function canonicalJudgment(j: ChainedJudgment): string {
  return JSON.stringify([
    j.id,
    j.pairId,
    j.raterId,
    j.preference,
    j.choice,
    j.shownAFirst,
    j.rationale,
    j.flags,
    j.timeMs,
    j.createdAt,
  ]);
}

/** The hash before a task's first judgment. */
export function genesisHash(taskId: string): string {
  return createHash('sha256').update(taskId.toLowerCase(), 'utf8').digest('hex');
}

export function nextChainHash(previousHex: string, judgment: ChainedJudgment): string {
  return createHash('sha256')
    .update(Buffer.from(previousHex, 'hex'))
    .update(canonicalJudgment(judgment), 'utf8')
    .digest('hex');
}

/** A stored link: the judgment's fields as they are now, and what the sealer wrote. */
export interface StoredLink extends ChainedJudgment {
  chainIndex: number;
  chainHash: string;
}

export type ChainVerification =
  | { ok: true; taskId: string; judgments: number; head: string; unsealed: number }
  | {
      ok: false;
      taskId: string;
      /** The first chain index that does not check out. */
      brokenAt: number;
      reason: 'mismatch' | 'missing' | 'head_not_found';
      message: string;
      unsealed: number;
    };

/**
 * Checks links streamed in chain_index order. Reports the first index whose stored hash is not the recomputed one
 * (`mismatch`: that judgment, or its stored hash, was edited) or that is absent (`missing`: a judgment was removed).
 * With `expectHead` (a head from an earlier manifest), also fails unless that hash occurs in the recomputed chain,
 * which catches judgments removed from the end.
 */
export class ChainVerifier {
  private previous: string;
  private index = 0;
  private headSeen: boolean;
  private failure: Extract<ChainVerification, { ok: false }> | undefined;

  constructor(
    private readonly taskId: string,
    private readonly expectHead?: string,
  ) {
    this.previous = genesisHash(taskId);
    this.headSeen = expectHead === undefined || expectHead === this.previous;
  }

  /** False once the chain is broken (later links need not be read). */
  push(link: StoredLink): boolean {
    if (this.failure) return false;
    if (link.chainIndex !== this.index) {
      this.fail(this.index, 'missing', `chain index ${this.index} is missing: a judgment was removed`);
      return false;
    }
    const expected = nextChainHash(this.previous, link);
    if (expected !== link.chainHash) {
      this.fail(this.index, 'mismatch', `judgment ${link.id} at chain index ${this.index} does not match its hash`);
      return false;
    }
    this.previous = expected;
    if (expected === this.expectHead) this.headSeen = true;
    this.index++;
    return true;
  }

  /** The link at `chainIndex` is there but its judgment is gone: a judgment was removed. False, like a broken push. */
  removed(chainIndex: number): boolean {
    if (this.failure) return false;
    if (chainIndex !== this.index) {
      this.fail(this.index, 'missing', `chain index ${this.index} is missing: a judgment was removed`);
    } else {
      this.fail(chainIndex, 'missing', `the judgment at chain index ${chainIndex} was removed`);
    }
    return false;
  }

  result(unsealed: number): ChainVerification {
    if (this.failure) return { ...this.failure, unsealed };
    if (!this.headSeen) {
      return {
        ok: false,
        taskId: this.taskId,
        brokenAt: this.index,
        reason: 'head_not_found',
        message: `the expected head ${this.expectHead} does not occur in the chain's ${this.index} judgments`,
        unsealed,
      };
    }
    return { ok: true, taskId: this.taskId, judgments: this.index, head: this.previous, unsealed };
  }

  private fail(brokenAt: number, reason: 'mismatch' | 'missing', message: string): void {
    this.failure = { ok: false, taskId: this.taskId, brokenAt, reason, message, unsealed: 0 };
  }
}
