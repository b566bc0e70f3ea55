// Regenerates server/src/db/schema.ts (the kysely Database type) from the migrated schema, or with --check
// fails when the committed file differs from what the migrations produce. Uses DATABASE_URL's server when
// set (in a scratch database), else a throwaway embedded PostgreSQL.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '@anchor/migrations';
import { startEmbeddedPostgres } from '../server/dist/db/embedded.js';

const check = process.argv.includes('--check');
const target = path.resolve('server/src/db/schema.ts');
const scratch = `anchor_types_${process.pid}`;

let embedded;
let adminUrl = process.env.DATABASE_URL;
const dir = mkdtempSync(path.join(tmpdir(), 'anchor-types-'));
if (!adminUrl) {
  embedded = await startEmbeddedPostgres({ dir, ephemeral: true });
  adminUrl = embedded.url();
}
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
const url = new URL(adminUrl);
url.pathname = `/${scratch}`;
try {
  const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.href }) }) });
  await migrateToLatest(db);
  await db.destroy();
  const out = check ? path.join(dir, 'schema.ts') : target;
  execFileSync(
    'npx',
    [
      'kysely-codegen',
      '--dialect',
      'postgres',
      '--url',
      url.href,
      '--out-file',
      out,
      '--exclude-pattern',
      'kysely_*',
      // server/src/db/database.ts parses int8 as a number at runtime; the types must say the same.
      '--type-mapping',
      JSON.stringify({ int8: 'number' }),
      '--log-level',
      'warn',
    ],
    { stdio: 'inherit' },
  );
  execFileSync('npx', ['prettier', '--config', path.resolve('.prettierrc.json'), '--write', out], { stdio: 'ignore' });
  if (check) {
    if (readFileSync(out, 'utf8') !== readFileSync(target, 'utf8')) {
      console.error('server/src/db/schema.ts differs from the migrated schema: run `npm run db:types` and commit it.');
      process.exitCode = 1;
    } else console.log('server/src/db/schema.ts matches the migrated schema.');
  } else console.log(`wrote ${path.relative(process.cwd(), target)}`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();
  rmSync(dir, { recursive: true, force: true });
}
