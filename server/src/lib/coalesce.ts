import { pipeline, Transform, type Readable } from 'node:stream';

/**
 * The stream's bytes in chunks of at least `size` (the last one may be smaller). PostgreSQL sends COPY output 8 kB at
 * a time; passed on as they come, an export of 600 MB is 75,000 trips through each transform and 75,000 writes to
 * the HTTP socket, which cost more CPU than the bytes themselves (on the server and on the client reading them).
 * Destroying the returned stream destroys the source, as an error in the source errors the returned stream.
 */
export function coalesced(source: Readable, size = 64 * 1024): Readable {
  let held: Buffer[] = [];
  let heldBytes = 0;
  const take = (): Buffer => {
    const joined = Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return joined;
  };
  const joiner = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      held.push(chunk);
      heldBytes += chunk.length;
      callback(null, heldBytes >= size ? take() : undefined);
    },
    flush(callback) {
      callback(null, heldBytes > 0 ? take() : undefined);
    },
  });
  // Errors reach the consumer through `joiner`; the callback only keeps pipeline from reporting them twice.
  return pipeline(source, joiner, () => {});
}
