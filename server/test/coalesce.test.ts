import { finished } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesced } from '../src/lib/coalesce.js';

/** The chunks as pushed ('data' events, as pipe sees them; an async iterator would join what is buffered). */
async function chunksOf(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await finished(stream);
  return chunks;
}

describe('coalesced', () => {
  it('joins small chunks into chunks of at least the size, the same bytes in the same order', async () => {
    const pieces = Array.from({ length: 25 }, (_, i) => Buffer.from(`line ${i}\n`.padEnd(10, '.')));
    const chunks = await chunksOf(coalesced(Readable.from(pieces), 32));
    expect(Buffer.concat(chunks).equals(Buffer.concat(pieces))).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.length >= 32)).toBe(true);
    expect(chunks).toHaveLength(Math.ceil(250 / 40)); // 4 pieces of 10 bytes reach 32
  });

  it('passes the source’s error on, and destroying it destroys the source', async () => {
    const failing = new Readable({ read() {} });
    const joined = coalesced(failing, 1024);
    joined.resume();
    failing.push(Buffer.from('partial'));
    failing.destroy(new Error('the COPY failed'));
    await expect(finished(joined)).rejects.toThrow('the COPY failed');

    const source = new Readable({ read() {} });
    const reader = coalesced(source, 1024);
    reader.destroy();
    await expect(finished(source)).rejects.toThrow();
    expect(source.destroyed).toBe(true);
  });
});
