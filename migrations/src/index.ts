import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as initial from './2026-11-25T0000_initial.js';
import * as assignmentEngine from './2026-11-25T0100_assignment_engine.js';
import * as socketIoAdapter from './2026-11-25T0200_socket_io_adapter.js';
import * as judgmentChain from './2026-11-25T0300_judgment_chain.js';
import * as raterWorkspace from './2026-11-25T0400_rater_workspace.js';
import * as adminConsole from './2026-11-25T0500_admin_console.js';
import * as taskCounters from './2026-11-25T0600_task_counters.js';
import * as liveLeaseIndex from './2026-12-06T0100_live_lease_index.js';
import * as judgmentChainTable from './2026-12-06T0200_judgment_chain_table.js';
import * as dropRedundantSeqIndexes from './2026-12-06T0300_drop_redundant_seq_indexes.js';
import * as pairsTakenColumn from './2026-12-06T0400_pairs_taken_column.js';

/** Every migration, in order. A static list keeps src and dist runs identical (no directory scanning). */
export const migrations: Record<string, Migration> = {
  '2026-11-25T0000_initial': initial,
  '2026-11-25T0100_assignment_engine': assignmentEngine,
  '2026-11-25T0200_socket_io_adapter': socketIoAdapter,
  '2026-11-25T0300_judgment_chain': judgmentChain,
  '2026-11-25T0400_rater_workspace': raterWorkspace,
  '2026-11-25T0500_admin_console': adminConsole,
  '2026-11-25T0600_task_counters': taskCounters,
  '2026-12-06T0100_live_lease_index': liveLeaseIndex,
  '2026-12-06T0200_judgment_chain_table': judgmentChainTable,
  '2026-12-06T0300_drop_redundant_seq_indexes': dropRedundantSeqIndexes,
  '2026-12-06T0400_pairs_taken_column': pairsTakenColumn,
};

export const latestMigration = Object.keys(migrations).at(-1)!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Unordered: migrations written in parallel may land with earlier names than one a database already has (each is
  // independent of the others' order); kysely then applies the missing one instead of refusing to start.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    allowUnorderedMigrations: true,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
  return result;
}
