/** A header of a record: key is text, value is bytes (null allowed), as in Kafka. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record as producers give it and consumers get it. */
export interface Record {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Milliseconds since the epoch; defaults to the batch's base timestamp when encoding. */
  timestamp: number;
  /** Absolute offset once the batch has one; relative (the offset delta) when encoding. */
  offset: number;
}

/** What a producer supplies for a record: everything but key/value is optional. */
export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: ReadonlyArray<{ key: string; value: Buffer | string | null }> | undefined;
  timestamp?: number | undefined;
}
