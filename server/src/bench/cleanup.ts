/**
 * Everything the bench starts (database, temp dir, server, rater workers) registers how to undo itself here, and
 * `cleanUp` undoes it newest first: on success, on failure, and on Ctrl-C or SIGTERM.
 */
type Undo = { label: string; run: () => Promise<void> | void };

const stack: Undo[] = [];

/** Registers an undo step; the returned function runs it now (once) and forgets it. */
export function onCleanup(label: string, run: () => Promise<void> | void): () => Promise<void> {
  const undo: Undo = { label, run };
  stack.push(undo);
  return async () => {
    const i = stack.indexOf(undo);
    if (i === -1) return;
    stack.splice(i, 1);
    await undo.run();
  };
}

export async function cleanUp(): Promise<void> {
  while (stack.length > 0) {
    const undo = stack.pop()!;
    try {
      await undo.run();
    } catch (err) {
      console.error(`cleanup (${undo.label}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
