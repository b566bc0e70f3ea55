import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Users } from '../../db/schema.js';

export type UserRow = Selectable<Users>;

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

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
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
