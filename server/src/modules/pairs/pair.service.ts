import type { Readable } from 'node:stream';
import type { Insertable } from 'kysely';
import type { ImportResult, PairsPage } from '@anchor/shared';
import type { Pairs } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { DomainEvents } from '../../lib/domain-events.js';
import type { Actor, AuditService } from '../audit/audit.service.js';
import { parseCsvPairs, parseJsonLines, type ImportFormat, type ParsedLine } from './import-parser.js';
import { presentPair } from './pair.presenter.js';
import type { PairRepository } from './pair.repository.js';

const BATCH_SIZE = 500;
/** Enough to act on; the count says how many more there were. */
const MAX_REPORTED_ERRORS = 1000;

export class PairService {
  constructor(
    private readonly pairs: PairRepository,
    private readonly events: DomainEvents,
    private readonly audit?: AuditService,
  ) {}

  /**
   * Streams the body line by line into batched inserts inside one transaction: valid lines go in, invalid ones are
   * reported by number, and a body cut short (or too large) rolls everything back, so no import is half-applied.
   */
  async import(
    task: { id: string; judgments_per_pair: number; min_judgments: number | null },
    format: ImportFormat,
    body: Readable,
    actor?: Actor,
  ): Promise<ImportResult> {
    const taskId = task.id;
    const target = task.min_judgments ?? task.judgments_per_pair;
    const parse = format === 'csv' ? parseCsvPairs : parseJsonLines;
    const result = await this.pairs.transaction(async (tx) => {
      const errorsFound: ImportResult['errors'] = [];
      let errorCount = 0;
      let inserted = 0;
      let total = 0;
      let batch: Insertable<Pairs>[] = [];
      let work = 0;
      const flush = async () => {
        const counts = await this.pairs.insertBatch(tx, batch);
        inserted += counts.inserted;
        work += counts.work;
        batch = [];
      };
      for await (const parsed of parse(body) as AsyncIterable<ParsedLine>) {
        if ('error' in parsed) {
          errorCount++;
          if (errorsFound.length < MAX_REPORTED_ERRORS) errorsFound.push({ line: parsed.line, message: parsed.error });
          continue;
        }
        total++;
        const { pair } = parsed;
        batch.push({
          task_id: taskId,
          external_id: pair.externalId,
          prompt: JSON.stringify(pair.prompt),
          response_a: pair.responseA.text,
          response_b: pair.responseB.text,
          model_a: pair.responseA.model ?? null,
          model_b: pair.responseB.model ?? null,
          tags: JSON.stringify(pair.tags ?? {}),
          gold: pair.gold ?? null,
          target,
        });
        if (batch.length >= BATCH_SIZE) await flush();
      }
      await flush();
      if (errorCount > errorsFound.length) {
        errorsFound.push({
          line: 0,
          message: `${errorCount - errorsFound.length} more lines had errors and are not listed.`,
        });
      }
      await this.pairs.countPairs(tx, taskId, work);
      return { inserted, skipped: total - inserted, errors: errorsFound };
    });
    if (result.inserted > 0) this.events.emit('pairsImported', { taskId, inserted: result.inserted });
    if (actor)
      await this.audit?.record(actor, {
        action: 'pairs.imported',
        targetType: 'task',
        targetId: taskId,
        details: { format, inserted: result.inserted, skipped: result.skipped, rejectedLines: result.errors.length },
      });
    return result;
  }

  async page(taskId: string, limit: number, cursor?: string): Promise<PairsPage> {
    const rows = await this.pairs.page(taskId, limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      pairs: page.map(presentPair),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  }
}

/** Opaque to clients, so the paging key can change without breaking them. */
function encodeCursor(seq: string | number): string {
  return Buffer.from(`p${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^p(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw errors.validation('That cursor is not valid: pass the nextCursor of the previous page unchanged.', [
      { path: 'cursor', message: 'is not valid' },
    ]);
  }
  return Number(match[1]);
}
