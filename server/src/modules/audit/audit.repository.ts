import { sql, type Insertable, type Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { AuditLog, ExportLog } from '../../db/schema.js';

export type AuditRow = Selectable<AuditLog>;
export type ExportLogRow = Selectable<ExportLog> & { actor_email: string | null };

export interface AuditFilter {
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
}

export class AuditRepository {
  constructor(private readonly db: Database) {}

  async insert(values: Insertable<AuditLog>): Promise<void> {
    await this.db.insertInto('audit_log').values(values).execute();
  }

  /** Newest first, strictly before `beforeSeq` when given. */
  page(limit: number, beforeSeq: string | undefined, filter: AuditFilter): Promise<AuditRow[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (beforeSeq !== undefined) query = query.where(sql<boolean>`seq < ${beforeSeq}::bigint`);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
    return query.orderBy('seq', 'desc').limit(limit).execute();
  }

  async insertExport(values: Insertable<ExportLog>): Promise<void> {
    await this.db.insertInto('export_log').values(values).execute();
  }

  listExports(taskId: string, limit: number): Promise<ExportLogRow[]> {
    return this.db
      .selectFrom('export_log')
      .leftJoin('users', 'users.id', 'export_log.actor_id')
      .selectAll('export_log')
      .select(sql<string | null>`users.email`.as('actor_email'))
      .where('export_log.task_id', '=', taskId)
      .orderBy('export_log.created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
