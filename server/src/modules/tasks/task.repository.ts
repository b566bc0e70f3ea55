import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { DB, Tasks } from '../../db/schema.js';

export type TaskRow = Selectable<Tasks>;

export class TaskRepository {
  constructor(private readonly db: Database) {}

  insert(values: Insertable<Tasks>): Promise<TaskRow> {
    return this.db.insertInto('tasks').values(values).returningAll().executeTakeFirstOrThrow();
  }

  /** Pass the transaction when inside one: a second pooled connection per transaction can starve the pool. */
  findById(id: string, executor: Kysely<DB> = this.db): Promise<TaskRow | undefined> {
    return executor.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
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

  /**
   * Re-derives every pair's target after the redundancy settings change: the fixed count, or for adaptive tasks the
   * current target kept within the new [min, max]. Pairs already past a lowered target simply become complete.
   */
  async retargetPairs(task: TaskRow): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('pairs')
        .set({
          target:
            task.min_judgments !== null && task.max_judgments !== null
              ? sql<number>`least(${task.max_judgments}::int, greatest(${task.min_judgments}::int, target))`
              : task.judgments_per_pair,
        })
        .where('task_id', '=', task.id)
        .execute();
      // Which pairs are complete changed with the targets: recount them into the progress counters' shards.
      await sql`UPDATE task_counters SET complete_pairs = 0 WHERE task_id = ${task.id}`.execute(tx);
      await sql`
        INSERT INTO task_counters (task_id, shard, complete_pairs)
        SELECT ${task.id}::uuid, (hashtext(id::text) & 15)::smallint, count(*)
        FROM pairs WHERE task_id = ${task.id} AND gold IS NULL AND judgment_count >= target GROUP BY 2
        ON CONFLICT (task_id, shard) DO UPDATE SET complete_pairs = excluded.complete_pairs`.execute(tx);
    });
  }

  /** The n-th pair of a task in import order (gold checks included: they are what raters see too). */
  previewPair(taskId: string, n: number) {
    return this.db
      .selectFrom('pairs')
      .select(['id', 'external_id', 'prompt', 'response_a', 'response_b'])
      .where('task_id', '=', taskId)
      .orderBy('seq')
      .offset(n)
      .limit(1)
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
