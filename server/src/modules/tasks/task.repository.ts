import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tasks } from '../../db/schema.js';

export type TaskRow = Selectable<Tasks>;

export class TaskRepository {
  constructor(private readonly db: Database) {}

  insert(values: Insertable<Tasks>): Promise<TaskRow> {
    return this.db.insertInto('tasks').values(values).returningAll().executeTakeFirstOrThrow();
  }

  findById(id: string): Promise<TaskRow | undefined> {
    return this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
  }

  listActive(): Promise<TaskRow[]> {
    return this.db.selectFrom('tasks').selectAll().where('status', '=', 'active').orderBy('created_at').execute();
  }

  update(id: string, values: Updateable<Tasks>): Promise<TaskRow | undefined> {
    return this.db
      .updateTable('tasks')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
