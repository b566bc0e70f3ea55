/**
 * `npm run verify-chain -- --url <DATABASE_URL> --task <id> [--head <hash>]`
 *
 * Recomputes a task's tamper-evident judgment chain from the judgments as they are in the database and prints
 * `OK` with the chain's length and head hash, or the first broken chain index. With `--head` (the `chain.head` of an
 * earlier export manifest) it also fails unless that head still occurs in the chain, which catches judgments removed
 * from its end. Exits 0 when the chain checks out, 1 when it is broken, 2 on a usage or connection error.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createDatabase } from '../db/database.js';
import { verifyChain } from '../modules/exports/judgment-chain.repository.js';

const usage = `Usage: npm run verify-chain -- --url DATABASE_URL --task TASK_ID [--head HASH]

  --url URL     the PostgreSQL database (default: the DATABASE_URL environment variable)
  --task ID     the task whose chain to check
  --head HASH   a head hash from an earlier export manifest that must still be in the chain`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HASH = /^[0-9a-f]{64}$/i;

async function main(): Promise<number> {
  let values: { url?: string; task?: string; head?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        task: { type: 'string' },
        head: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const url = values.url ?? process.env.DATABASE_URL;
  if (!url || !values.task || !UUID.test(values.task) || (values.head !== undefined && !HASH.test(values.head))) {
    console.error(usage);
    return 2;
  }
  const handle = createDatabase(url, { poolSize: 1, logger: pino({ level: 'silent' }) });
  try {
    const result = await verifyChain(handle.db, values.task.toLowerCase(), {
      ...(values.head ? { expectHead: values.head } : {}),
    });
    const unsealed = result.unsealed > 0 ? ` (${result.unsealed} newer judgments not sealed yet)` : '';
    if (result.ok) {
      console.log(`OK task ${result.taskId}: ${result.judgments} judgments, head ${result.head}${unsealed}`);
      return 0;
    }
    console.log(`BROKEN task ${result.taskId} at chain index ${result.brokenAt} (${result.reason}): ${result.message}`);
    return 1;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
