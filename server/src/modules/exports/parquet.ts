import { Readable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

/**
 * The annotations as one Parquet file (hyparquet-writer: pure JavaScript, standard Parquet with Snappy pages, read by
 * DuckDB, pyarrow and Hugging Face datasets). Rows arrive as the annotations' JSON Lines from the COPY and leave in
 * row groups of at most ROW_GROUP_ROWS rows or about ROW_GROUP_BYTES of input, each written out before the next is
 * read: memory stays bounded by one row group whatever the size of the task.
 *
 * The bytes depend only on the rows: no timestamps or random values go into the file, so the manifest's digest of
 * an export equals that of the same export served later from the same data.
 */
const ROW_GROUP_ROWS = 10_000;
const ROW_GROUP_BYTES = 16 * 1024 * 1024;

type Schema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];
type SchemaElement = Schema[number];
type Kind = 'string' | 'json' | 'int32' | 'int64' | 'boolean' | 'timestamp' | 'strings';

interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
}

/** The annotations' keys, in their order, with Parquet types. */
export const PARQUET_COLUMNS: readonly Column[] = [
  { name: 'judgmentId', kind: 'string', nullable: false },
  { name: 'pairId', kind: 'string', nullable: false },
  { name: 'externalId', kind: 'string', nullable: false },
  { name: 'raterId', kind: 'string', nullable: false },
  { name: 'preference', kind: 'int32', nullable: false },
  { name: 'choice', kind: 'int32', nullable: false },
  { name: 'shownAFirst', kind: 'boolean', nullable: false },
  { name: 'rationale', kind: 'string', nullable: true },
  { name: 'flags', kind: 'strings', nullable: false },
  { name: 'timeMs', kind: 'int32', nullable: true },
  { name: 'createdAt', kind: 'timestamp', nullable: false },
  { name: 'country', kind: 'string', nullable: true },
  { name: 'languages', kind: 'strings', nullable: false },
  { name: 'scalePoints', kind: 'int32', nullable: false },
  { name: 'shownLeft', kind: 'string', nullable: false },
  { name: 'leasedAt', kind: 'timestamp', nullable: false },
  // Free-form key/values: JSON text in a string column, which every reader takes as is.
  { name: 'raterAttributes', kind: 'json', nullable: false },
  { name: 'quotaGroup', kind: 'string', nullable: true },
  { name: 'gold', kind: 'string', nullable: true },
  { name: 'chainIndex', kind: 'int64', nullable: true },
  { name: 'chainHash', kind: 'string', nullable: true },
];

function schemaOf(columns: readonly Column[]): Schema {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const { name, kind, nullable } of columns) {
    const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
    const utf8 = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } } as const;
    switch (kind) {
      case 'string':
      case 'json':
        schema.push({ name, repetition_type, ...utf8 });
        break;
      case 'int32':
      case 'int64':
        schema.push({ name, repetition_type, type: kind === 'int32' ? 'INT32' : 'INT64' });
        break;
      case 'boolean':
        schema.push({ name, repetition_type, type: 'BOOLEAN' });
        break;
      case 'timestamp':
        schema.push({
          name,
          repetition_type,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        });
        break;
      case 'strings':
        // The standard three-level list: <name> (LIST) → repeated group list → element.
        schema.push(
          { name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', repetition_type: 'REQUIRED', ...utf8 },
        );
        break;
    }
  }
  return schema;
}

function convert(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'json':
      return JSON.stringify(value);
    case 'int64':
      return BigInt(value as number);
    case 'timestamp':
      return new Date(value as string);
    default:
      return value;
  }
}

/** Splits a byte stream into lines (JSON text never holds a raw newline), decoding each whole line. */
async function* lines(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = Buffer.alloc(0);
  for await (const chunk of source) {
    let buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    for (let nl = buffer.indexOf(0x0a); nl !== -1; nl = buffer.indexOf(0x0a)) {
      yield buffer.subarray(0, nl).toString('utf8');
      buffer = buffer.subarray(nl + 1);
    }
    rest = Buffer.from(buffer);
  }
  if (rest.length > 0) yield rest.toString('utf8');
}

async function* parquetChunks(
  source: AsyncIterable<Buffer>,
  createdBy: string,
  rowGroupRows: number,
): AsyncGenerator<Buffer> {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema: schemaOf(PARQUET_COLUMNS), createdBy });
  /** What the writer holds so far; resetting `index` (as hyparquet's own file writer does) frees the buffer. */
  const drain = () => {
    const bytes = Buffer.from(writer.getBytes());
    writer.index = 0;
    return bytes;
  };
  let batch: Array<Record<string, unknown>> = [];
  let batchBytes = 0;
  const flush = async () => {
    const columnData = PARQUET_COLUMNS.map(({ name, kind }) => ({
      name,
      data: batch.map((row) => convert(kind, row[name])),
    }));
    await parquet.write({ columnData, rowGroupSize: batch.length });
    batch = [];
    batchBytes = 0;
  };
  for await (const line of lines(source)) {
    batch.push(JSON.parse(line) as Record<string, unknown>);
    batchBytes += line.length;
    if (batch.length >= rowGroupRows || batchBytes >= ROW_GROUP_BYTES) {
      await flush();
      yield drain();
    }
  }
  if (batch.length > 0) await flush();
  await parquet.finish();
  yield drain();
}

/** The annotations' JSON Lines (a COPY stream) as a Parquet file, pulled row group by row group. */
export function annotationsToParquet(source: Readable, createdBy = 'Anchor', rowGroupRows = ROW_GROUP_ROWS): Readable {
  return Readable.from(parquetChunks(source, createdBy, rowGroupRows), { objectMode: false });
}
