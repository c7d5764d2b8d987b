import { ErrorCode } from '@quill/proto';
import { describe, expect, it } from 'vitest';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';

describe('consumer protocol bytes', () => {
  it('round-trips subscriptions and assignments, grouping partitions by topic', () => {
    const subscription = {
      topics: ['a', 'b'],
      ownedPartitions: [
        { topic: 'b', partition: 2 },
        { topic: 'a', partition: 1 },
        { topic: 'a', partition: 0 },
      ],
      generationId: 4,
      userData: Buffer.from('x'),
    };
    expect(decodeSubscription(encodeSubscription(subscription))).toEqual({
      ...subscription,
      ownedPartitions: [
        { topic: 'a', partition: 0 },
        { topic: 'a', partition: 1 },
        { topic: 'b', partition: 2 },
      ],
    });
    const assignment = { partitions: [{ topic: 't', partition: 3 }], userData: Buffer.alloc(0) };
    expect(decodeAssignment(encodeAssignment(assignment))).toEqual(assignment);
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ partitions: [], userData: Buffer.alloc(0) });
  });

  it('rejects bytes that are not the consumer protocol with INCONSISTENT_GROUP_PROTOCOL', () => {
    const garbage = Buffer.from([0xff, 0xff]); // a tag with field number and wire type that cannot be
    expect(() => decodeSubscription(garbage)).toThrow(expect.objectContaining({ code: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
    expect(() => decodeAssignment(garbage)).toThrow(expect.objectContaining({ code: ErrorCode.INCONSISTENT_GROUP_PROTOCOL }));
  });
});
