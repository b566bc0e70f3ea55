import type { AuditEntry, AuditPage, ExportFilters, ExportFormat, ExportLogEntry } from '@anchor/shared';
import type { Logger } from 'pino';
import { errors } from '../../errors.js';
import type { AuditFilter, AuditRepository, AuditRow, ExportLogRow } from './audit.repository.js';

/** Who did it: the signed-in admin (or token owner). Null for the system (first start, an invitee accepting). */
export interface Actor {
  id: string;
  email?: string | undefined;
}

export interface AuditRecord {
  action: string;
  targetType: string;
  targetId?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface ExportRecord {
  taskId: string;
  format: ExportFormat;
  filters: ExportFilters;
  rows: number | null;
  bytes: number;
  sha256: string;
}

function presentEntry(row: AuditRow): AuditEntry {
  return {
    seq: String(row.seq),
    at: row.at.toISOString(),
    actorId: row.actor_id,
    actorEmail: row.actor_email,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: (row.details ?? {}) as Record<string, unknown>,
  };
}

function presentExport(row: ExportLogRow): ExportLogEntry {
  return {
    id: row.id,
    taskId: row.task_id,
    actorId: row.actor_id,
    actorEmail: row.actor_email,
    format: row.format as ExportFormat,
    filters: row.filters as ExportFilters,
    rows: row.rows,
    bytes: Number(row.bytes),
    sha256: row.sha256,
    createdAt: row.created_at.toISOString(),
  };
}

/** Opaque to clients, so the paging key can change without breaking them. */
function encodeCursor(seq: string): string {
  return Buffer.from(`a${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^a(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw errors.validation('That cursor is not valid: pass the nextCursor of the previous page unchanged.', [
      { path: 'cursor', message: 'is not valid' },
    ]);
  }
  return match[1]!;
}

const CSV_COLUMNS = ['seq', 'at', 'actor_id', 'actor_email', 'action', 'target_type', 'target_id', 'details'] as const;

/** RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula. */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The audit log: who changed what, when. Recording never fails the action it records (the change already happened):
 * a failed insert is logged instead.
 */
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly logger?: Logger,
  ) {}

  async record(actor: Actor | null, entry: AuditRecord): Promise<void> {
    try {
      await this.audit.insert({
        actor_id: actor?.id ?? null,
        actor_email: actor?.email ?? null,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId ?? null,
        details: JSON.stringify(entry.details ?? {}),
      });
    } catch (err) {
      this.logger?.error({ err, action: entry.action }, 'audit record failed');
    }
  }

  async page(query: { limit: number; cursor?: string | undefined } & AuditFilter): Promise<AuditPage> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.audit.page(query.limit + 1, before, query);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      entries: page.map(presentEntry),
      nextCursor: rows.length > query.limit && last ? encodeCursor(String(last.seq)) : null,
    };
  }

  /** The whole log (or the filtered part) as CSV lines, newest first, read a page at a time. */
  async *csv(filter: AuditFilter): AsyncGenerator<string> {
    yield CSV_COLUMNS.join(',') + '\r\n';
    let before: string | undefined;
    for (;;) {
      const rows = await this.audit.page(1000, before, filter);
      for (const row of rows) {
        const cells = [
          String(row.seq),
          row.at.toISOString(),
          row.actor_id,
          row.actor_email,
          row.action,
          row.target_type,
          row.target_id,
          JSON.stringify(row.details ?? {}),
        ];
        yield cells.map(csvCell).join(',') + '\r\n';
      }
      if (rows.length < 1000) return;
      before = String(rows.at(-1)!.seq);
    }
  }

  /** Logs a served export in export_log and in the audit log. */
  async recordExport(actor: Actor, record: ExportRecord): Promise<void> {
    try {
      await this.audit.insertExport({
        task_id: record.taskId,
        actor_id: actor.id,
        format: record.format,
        filters: JSON.stringify(record.filters),
        rows: record.rows,
        bytes: record.bytes,
        sha256: record.sha256,
      });
    } catch (err) {
      this.logger?.error({ err }, 'export log failed');
    }
    await this.record(actor, {
      action: 'export.downloaded',
      targetType: 'task',
      targetId: record.taskId,
      details: { format: record.format, filters: record.filters, rows: record.rows, sha256: record.sha256 },
    });
  }

  async exportsOf(taskId: string, limit = 50): Promise<ExportLogEntry[]> {
    return (await this.audit.listExports(taskId, limit)).map(presentExport);
  }
}
