import { sql, type Kysely } from 'kysely';

/**
 * The table @socket.io/postgres-adapter keeps socket.io packets in when they are too large for NOTIFY (8,000 bytes)
 * or carry binary data: every node broadcasts room emits to the others through PostgreSQL. Each node deletes rows
 * older than 30 seconds, so the table stays small. The DDL is the adapter's own with a primary key and NOT NULLs added:
 * the adapter only inserts a payload, reads it back by id, and deletes by created_at.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('socket_io_attachments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .execute();
}

// Forward-only, like every Anchor migration.
export function down(): Promise<void> {
  return Promise.reject(new Error('Anchor migrations are forward-only.'));
}
