import { BATCH_HEADER_SIZE, readBatchHeader, verifyBatchCrc, type BatchHeader } from './batch-header.js';
import { decompress, MAX_DECOMPRESSED_BYTES_DEFAULT } from './compression.js';
import { RecordsError } from './errors.js';
import type { Record, RecordHeader } from './record.js';
import { ByteReader } from './varint.js';

export interface DecodedBatch {
  header: BatchHeader;
  records: Record[];
}

export interface DecodeOptions {
  /** Skip the CRC check only when the bytes were verified already (e.g. at append). */
  verifyCrc?: boolean;
  maxDecompressedBytes?: number;
}

/**
 * Decodes the batch at `offset`. Malformed input of any kind raises RecordsError and nothing else:
 * every read is bounds-checked and every codec failure is wrapped.
 */
export function decodeBatch(buf: Buffer, offset = 0, options: DecodeOptions = {}): DecodedBatch {
  try {
    return decodeBatchUnchecked(buf, offset, options);
  } catch (error) {
    if (error instanceof RecordsError) throw error;
    throw new RecordsError('CORRUPT_MESSAGE', `malformed record batch: ${(error as Error).message}`, { cause: error });
  }
}

function decodeBatchUnchecked(buf: Buffer, offset: number, options: DecodeOptions): DecodedBatch {
  const header = readBatchHeader(buf, offset);
  if (options.verifyCrc !== false) verifyBatchCrc(buf, header, offset);
  const payload = buf.subarray(offset + BATCH_HEADER_SIZE, offset + header.sizeInBytes);
  const body = decompress(header.compression, payload, options.maxDecompressedBytes ?? MAX_DECOMPRESSED_BYTES_DEFAULT);
  const reader = new ByteReader(body, 0, body.length);
  const records: Record[] = new Array<Record>(header.recordCount);
  // A record takes at least 7 bytes, so the count cannot claim more records than the body can hold.
  if (header.recordCount > body.length) {
    throw new RecordsError('CORRUPT_MESSAGE', `record count ${header.recordCount} exceeds the batch body`);
  }
  for (let i = 0; i < header.recordCount; i++) records[i] = readRecord(reader, header);
  if (reader.remaining() !== 0) {
    throw new RecordsError('CORRUPT_MESSAGE', `${reader.remaining()} bytes left after the last record`);
  }
  return { header, records };
}

/** The headers of every record without any: one shared, frozen array instead of one per record. */
const NO_HEADERS = Object.freeze([]) as unknown as RecordHeader[];

function readRecord(reader: ByteReader, header: BatchHeader): Record {
  const length = reader.varint('record length');
  if (length < 0 || length > reader.remaining()) {
    throw new RecordsError('CORRUPT_MESSAGE', `record length ${length} exceeds the ${reader.remaining()} bytes left`);
  }
  const end = reader.offset + length;
  const batchEnd = reader.end;
  // The batch's reader, bounded to this record while it is read.
  reader.end = end;
  reader.int8(); // record attributes: unused in v2
  const timestampDelta = reader.varlong('timestamp delta');
  const offsetDelta = reader.varint('offset delta');
  if (offsetDelta < 0 || offsetDelta > header.lastOffsetDelta) {
    throw new RecordsError('CORRUPT_MESSAGE', `offset delta ${offsetDelta} is outside the batch`);
  }
  const key = reader.bytesOrNull('key');
  const value = reader.bytesOrNull('value');
  const headerCount = reader.varint('header count');
  if (headerCount < 0 || headerCount > reader.remaining()) {
    throw new RecordsError('CORRUPT_MESSAGE', `header count ${headerCount} is invalid`);
  }
  const headers: RecordHeader[] = headerCount === 0 ? NO_HEADERS : [];
  for (let i = 0; i < headerCount; i++) {
    const headerKey = reader.bytesOrNull('header key');
    if (headerKey === null) throw new RecordsError('CORRUPT_MESSAGE', 'record header with a null key');
    headers.push({ key: headerKey.toString('utf8'), value: reader.bytesOrNull('header value') });
  }
  if (reader.remaining() !== 0) {
    throw new RecordsError('CORRUPT_MESSAGE', `record declares ${length} bytes but its fields use fewer`);
  }
  reader.end = batchEnd;
  // With a delete horizon, baseTimestamp is the horizon, and record timestamps stay relative to it.
  return {
    key,
    value,
    headers,
    timestamp: header.timestampType === 'log-append' ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
    offset: header.baseOffset + offsetDelta,
  };
}

/** Decodes every batch in a buffer of concatenated batches. */
export function decodeBatches(buf: Buffer, options: DecodeOptions = {}): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  let position = 0;
  while (position < buf.length) {
    const batch = decodeBatch(buf, position, options);
    batches.push(batch);
    position += batch.header.sizeInBytes;
  }
  return batches;
}
