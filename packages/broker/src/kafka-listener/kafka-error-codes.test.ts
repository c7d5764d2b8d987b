import { QuillError } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { kafkaErrorCode, kafkaErrorCodeOf } from './kafka-error-codes.js';

describe('Kafka error numbers', () => {
  it("maps Quill's codes to Kafka's numbers, not Quill's own", () => {
    expect(kafkaErrorCode('NONE')).toBe(0);
    expect(kafkaErrorCode(undefined)).toBe(0);
    expect(kafkaErrorCode('UNKNOWN_SERVER_ERROR')).toBe(-1);
    expect(kafkaErrorCode('NOT_COORDINATOR')).toBe(16);
    expect(kafkaErrorCode('UNKNOWN_MEMBER_ID')).toBe(25);
    expect(kafkaErrorCode('REBALANCE_IN_PROGRESS')).toBe(27);
    expect(kafkaErrorCode('MEMBER_ID_REQUIRED')).toBe(79);
    expect(kafkaErrorCode('FENCED_INSTANCE_ID')).toBe(82);
    expect(kafkaErrorCode(29)).toBe(16);
  });

  it('maps a thrown QuillError by its code and anything else to UNKNOWN_SERVER_ERROR', () => {
    expect(kafkaErrorCodeOf(new QuillError('NOT_CONTROLLER', 'x'))).toBe(41);
    expect(kafkaErrorCodeOf(new Error('boom'))).toBe(-1);
  });
});
