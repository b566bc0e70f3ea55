import { finished } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { binaryCopyToLines } from '../src/modules/exports/copy-binary.js';

/** PostgreSQL's binary COPY of one text column holding `values` (null: NULL). */
function binaryCopy(values: Array<string | null>): Buffer {
  const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  const rows = values.map((value) => {
    const bytes = value === null ? Buffer.alloc(0) : Buffer.from(value, 'utf8');
    const row = Buffer.alloc(6);
    row.writeInt16BE(1, 0);
    row.writeInt32BE(value === null ? -1 : bytes.length, 2);
    return Buffer.concat([row, bytes]);
  });
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  return Buffer.concat([header, ...rows, trailer]);
}

async function chunksOf(chunks: Buffer[], chunkSize?: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const lines = Readable.from(chunks, { objectMode: false }).pipe(binaryCopyToLines(chunkSize));
  lines.on('data', (chunk: Buffer) => out.push(chunk));
  await finished(lines);
  return out;
}

async function linesOf(chunks: Buffer[]): Promise<string> {
  return Buffer.concat(await chunksOf(chunks)).toString('utf8');
}

/** `bytes` cut into pieces of `size`, as a socket may deliver them. */
function cut(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

describe('binaryCopyToLines', () => {
  const values = ['{"a" : 1}', '{"text" : "line\\nbreak, \\"quotes\\" and ünïcødé 🙂"}', null, '{}'];
  const expected = '{"a" : 1}\n{"text" : "line\\nbreak, \\"quotes\\" and ünïcødé 🙂"}\n\n{}\n';

  it('turns each value into a line, however the bytes are cut', async () => {
    const copy = binaryCopy(values);
    for (const size of [1, 3, 7, 19, 64, copy.length]) expect(await linesOf(cut(copy, size))).toBe(expected);
  });

  it('passes whole lines on in chunks of about the size asked for', async () => {
    const many = Array.from({ length: 50 }, (_, i) => `{"n" : ${i}}`);
    const chunks = await chunksOf(cut(binaryCopy(many), 7), 40);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(many.map((l) => `${l}\n`).join(''));
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(40);
      expect(chunk[chunk.length - 1]).toBe(0x0a);
    }
  });

  it('refuses output that is not binary COPY, has more than one column, or ends mid-row', async () => {
    await expect(linesOf([Buffer.from('{"a" : 1}\n'.repeat(5))])).rejects.toThrow('binary format');
    const twoColumns = binaryCopy(['x']);
    twoColumns.writeInt16BE(2, 19);
    await expect(linesOf([twoColumns])).rejects.toThrow('2 columns');
    const copy = binaryCopy(values);
    await expect(linesOf([copy.subarray(0, copy.length - 5)])).rejects.toThrow('middle of a row');
  });
});
