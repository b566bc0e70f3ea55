import { Transform } from 'node:stream';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32) and the header extension's length (int32). */
const HEADER = SIGNATURE.length + 8;
/** A tuple's field count (int16) and its one field's length (int32). */
const ROW_HEADER = 6;
const NEWLINE = 0x0a;

/**
 * PostgreSQL's binary COPY of one text column, as lines: each value's bytes and a newline (a NULL is an empty line),
 * passed on in chunks of about `chunkSize` bytes.
 *
 * The JSON Lines exports are COPYed in binary because it writes each value as its length and its bytes. The text and
 * CSV modes inspect every byte to escape or quote it, 15 % of PostgreSQL's time in an annotations export, and JSON
 * text needs neither (it escapes every control character itself). PostgreSQL sends COPY output 8 kB at a time; the
 * lines go on in larger chunks, for the same reason as coalesced() (lib/coalesce.ts).
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */
export function binaryCopyToLines(chunkSize = 64 * 1024): Transform {
  let pending: Buffer | undefined;
  let started = false;
  let ended = false;
  let lines = Buffer.allocUnsafe(chunkSize);
  let written = 0;
  const transform = new Transform({
    readableHighWaterMark: 4 * chunkSize,
    transform(chunk: Buffer, _encoding, callback) {
      const input = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let at = 0;
      if (!started) {
        if (input.length < HEADER) {
          pending = input;
          return callback();
        }
        if (!input.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
          return callback(new Error('The COPY output is not in PostgreSQL’s binary format.'));
        }
        const extension = input.readUInt32BE(HEADER - 4);
        if (input.length < HEADER + extension) {
          pending = input;
          return callback();
        }
        at = HEADER + extension;
        started = true;
      }
      while (!ended && input.length - at >= 2) {
        const fields = input.readInt16BE(at);
        if (fields === -1) {
          ended = true;
          at += 2;
          break;
        }
        if (fields !== 1) return callback(new Error(`An export row has ${fields} columns; it must have one.`));
        if (input.length - at < ROW_HEADER) break;
        const length = Math.max(0, input.readInt32BE(at + 2)); // -1: NULL
        if (input.length - at < ROW_HEADER + length) break;
        if (written + length + 1 > lines.length) {
          if (written > 0) transform.push(lines.subarray(0, written));
          lines = Buffer.allocUnsafe(Math.max(chunkSize, length + 1));
          written = 0;
        }
        input.copy(lines, written, at + ROW_HEADER, at + ROW_HEADER + length);
        written += length;
        lines[written++] = NEWLINE;
        at += ROW_HEADER + length;
      }
      if (at < input.length) pending = input.subarray(at);
      callback();
    },
    flush(callback) {
      if (!ended || pending) return callback(new Error('The COPY output ended in the middle of a row.'));
      callback(null, written > 0 ? lines.subarray(0, written) : undefined);
    },
  });
  return transform;
}
