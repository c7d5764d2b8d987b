import { ERROR_TABLE } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { KAFKA_ERROR_CODES, kafkaErrorCode } from './error-codes.js';

describe('Kafka error codes', () => {
  it("maps names to Kafka's numbers, not Quill's", () => {
    expect(kafkaErrorCode('NONE')).toBe(0);
    expect(kafkaErrorCode('OFFSET_OUT_OF_RANGE')).toBe(1);
    expect(kafkaErrorCode('UNKNOWN_TOPIC_OR_PARTITION')).toBe(3);
    expect(kafkaErrorCode('NOT_LEADER_OR_FOLLOWER')).toBe(6);
    expect(kafkaErrorCode('FENCED_LEADER_EPOCH')).toBe(74);
    expect(kafkaErrorCode('UNKNOWN_SERVER_ERROR')).toBe(-1);
  });

  it('has one distinct number for every Quill error code', () => {
    const numbers = ERROR_TABLE.map((row) => KAFKA_ERROR_CODES[row.name as keyof typeof KAFKA_ERROR_CODES]);
    expect(numbers.every((n) => typeof n === 'number')).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('answers UNKNOWN_SERVER_ERROR for a name Kafka has no number for', () => {
    expect(kafkaErrorCode('NOT_A_CODE')).toBe(-1);
  });
});
