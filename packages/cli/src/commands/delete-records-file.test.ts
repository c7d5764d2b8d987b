import { describe, expect, it } from 'vitest';
import { parseOffsetJson } from './delete-records-file.js';

describe('parseOffsetJson (kafka-delete-records --offset-json-file)', () => {
  it("reads Kafka's format", () => {
    const text = JSON.stringify({ partitions: [{ topic: 't', partition: 0, offset: 5 }, { topic: 'u', partition: 2, offset: -1 }], version: 1 });
    expect(parseOffsetJson(text)).toEqual([
      { topic: 't', partition: 0, offset: 5 },
      { topic: 'u', partition: 2, offset: -1 },
    ]);
  });

  it('refuses malformed files, missing fields, bad offsets and a partition named twice', () => {
    for (const text of [
      'not json',
      '{"version":1}',
      '{"partitions":[]}',
      '{"partitions":[{"partition":0,"offset":1}]}',
      '{"partitions":[{"topic":"t","partition":-1,"offset":1}]}',
      '{"partitions":[{"topic":"t","partition":0,"offset":-2}]}',
      '{"partitions":[{"topic":"t","partition":0,"offset":1},{"topic":"t","partition":0,"offset":2}]}',
    ]) {
      expect(() => parseOffsetJson(text), text).toThrowError(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
  });
});
