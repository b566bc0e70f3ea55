/**
 * Submissions kept on this device until the server acknowledges them: an IndexedDB store keyed by the judgment's
 * idempotency key, so a retry (after a reconnect, a reload, or a crash) sends the same key and the server records the
 * judgment exactly once. Without IndexedDB (some private modes) it degrades to memory, which still covers reconnects.
 */

export interface OutboxEntry<P = unknown> {
  /** The idempotency key of the submission, and the store's key. */
  key: string;
  taskId: string;
  assignmentId: string;
  /** The event payload as it will be sent. */
  payload: P;
  createdAt: number;
}

const DB_NAME = 'anchor';
const STORE = 'outbox';

let opening: Promise<IDBDatabase | null> | null = null;
const memory = new Map<string, OutboxEntry>();
const listeners = new Set<() => void>();
let snapshot: OutboxEntry[] = [];

function open(): Promise<IDBDatabase | null> {
  opening ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return opening;
}

function run<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  return open().then(
    (db) =>
      new Promise<T | undefined>((resolve) => {
        if (!db) return resolve(undefined);
        try {
          const tx = db.transaction(STORE, mode);
          const request = fn(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request.result);
          tx.onerror = () => resolve(undefined);
          tx.onabort = () => resolve(undefined);
        } catch {
          resolve(undefined);
        }
      }),
  );
}

function changed(): void {
  snapshot = [...memory.values()].sort((a, b) => a.createdAt - b.createdAt);
  for (const listener of listeners) listener();
}

/** Keeps a submission until `remove`; memory first, so `all()` sees it at once even while IndexedDB writes. */
export async function putEntry(entry: OutboxEntry): Promise<void> {
  memory.set(entry.key, entry);
  changed();
  await run('readwrite', (store) => store.put(entry));
}

export async function removeEntry(key: string): Promise<void> {
  memory.delete(key);
  changed();
  await run('readwrite', (store) => store.delete(key));
}

/** Every kept submission (this page's and those left by an earlier page), oldest first. */
export async function allEntries(): Promise<OutboxEntry[]> {
  const stored = (await run('readonly', (store) => store.getAll() as IDBRequest<OutboxEntry[]>)) ?? [];
  const byKey = new Map<string, OutboxEntry>(stored.map((e) => [e.key, e]));
  for (const [key, entry] of memory) byKey.set(key, entry);
  return [...byKey.values()].sort((a, b) => a.createdAt - b.createdAt);
}

/** The entries this page knows of right now (a stable snapshot, for `useSyncExternalStore`). */
export function knownEntries(): OutboxEntry[] {
  return snapshot;
}

/** Loads entries left by an earlier page into memory, so they show as pending at once. */
export async function loadEntries(): Promise<OutboxEntry[]> {
  const entries = await allEntries();
  let added = false;
  for (const entry of entries)
    if (!memory.has(entry.key)) {
      memory.set(entry.key, entry);
      added = true;
    }
  if (added) changed();
  return entries;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
