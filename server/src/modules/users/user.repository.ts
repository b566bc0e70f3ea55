import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Users } from '../../db/schema.js';

export type UserRow = Selectable<Users>;

export interface UserFilter {
  q?: string | undefined;
  country?: string | undefined;
  language?: string | undefined;
  status?: string | undefined;
  role?: string | undefined;
}

export class UserRepository {
  constructor(private readonly db: Database) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
  }

  list(filter: UserFilter = {}): Promise<UserRow[]> {
    let query = this.db.selectFrom('users').selectAll();
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb('display_name', 'ilike', pattern), eb('email', 'ilike', pattern)]));
    }
    if (filter.country) query = query.where('country', '=', filter.country);
    if (filter.language) query = query.where(sql<boolean>`${filter.language} = ANY(languages)`);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.role) query = query.where('role', '=', filter.role);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** A rater's latest judgments, newest first, with the task's name. */
  recentJudgments(raterId: string, limit: number) {
    return this.db
      .selectFrom('judgments')
      .innerJoin('tasks', 'tasks.id', 'judgments.task_id')
      .innerJoin('pairs', 'pairs.id', 'judgments.pair_id')
      .select([
        'judgments.id',
        'judgments.task_id',
        'tasks.name as task_name',
        'pairs.external_id',
        'judgments.preference',
        'judgments.time_ms',
        'judgments.created_at',
      ])
      .where('judgments.rater_id', '=', raterId)
      .orderBy('judgments.created_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Inserts unless the email is taken (case-insensitively, by the unique index); undefined then. */
  async insert(values: Insertable<Users>): Promise<UserRow | undefined> {
    try {
      return await this.db.insertInto('users').values(values).returningAll().executeTakeFirstOrThrow();
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'users_email_key') return undefined;
      throw err;
    }
  }

  update(id: string, values: Updateable<Users>): Promise<UserRow | undefined> {
    return this.db
      .updateTable('users')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async hasAdmin(): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
    return row !== undefined;
  }
}
