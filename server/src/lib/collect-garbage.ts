import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * A full garbage collection, now. For the rare moment after a large one-off job (sealing a backlog of many thousands
 * of judgments) when the process goes quiet: nothing allocates then, so no collection runs, and the job's promoted
 * garbage would stay in the heap (and RSS) until traffic returns. Blocks the event loop for one full collection, so
 * it is for after a backlog, never per request.
 *
 * Node exposes `gc` only under `--expose-gc`; the flag is set here at run time (as Node's own docs show for
 * `v8.setFlagsFromString`) and `gc` taken from a fresh context, so `npm start` needs no extra flag.
 */
export function collectGarbage(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
