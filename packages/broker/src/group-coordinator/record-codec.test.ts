import { decodeBatches } from '@quill/records';
import { describe, expect, it } from 'vitest';
import type { CoordinatorRecord } from './coordinator-record.js';
import { decodeCoordinatorRecords, encodeCoordinatorRecords } from './record-codec.js';

const RECORDS: CoordinatorRecord[] = [
  { kind: 'offset', groupId: 'g', topic: 'orders', partition: 3, value: { committedOffset: 42, committedLeaderEpoch: 7, committedMetadata: 'm', commitTimestampMs: 1000 } },
  { kind: 'offset', groupId: 'g', topic: 'orders', partition: 4, value: { committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: undefined, commitTimestampMs: 1000 } },
  {
    kind: 'group',
    groupId: 'g',
    value: {
      protocolType: 'consumer',
      generationId: 5,
      protocolName: 'range',
      leader: 'm-1',
      currentStateTimestampMs: 999,
      members: [
        { memberId: 'm-1', groupInstanceId: 'i-1', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 30_000, sessionTimeoutMs: 10_000, subscription: Buffer.from('sub'), assignment: Buffer.from('asg') },
        { memberId: 'm-2', groupInstanceId: undefined, clientId: 'c', clientHost: '/127.0.0.2', rebalanceTimeoutMs: 30_000, sessionTimeoutMs: 10_000, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0) },
      ],
    },
  },
  { kind: 'offset', groupId: 'gone', topic: 'orders', partition: 0, value: null },
  { kind: 'group', groupId: 'gone', value: null },
];

describe('record codec', () => {
  it('round-trips offsets, group metadata and tombstones through a RecordBatch v2', () => {
    const bytes = encodeCoordinatorRecords(RECORDS, 1000);
    const [batch] = decodeBatches(bytes);
    expect(batch!.header.producerId).toBe(-1);
    expect(batch!.records.filter((r) => r.value === null)).toHaveLength(2);
    const decoded = decodeCoordinatorRecords(bytes);
    expect(decoded.records.map((r) => r.record)).toEqual(RECORDS);
    expect(decoded.nextOffset).toBe(RECORDS.length);
  });

  it('gives the same key bytes for the same key, whatever the value (compaction compares keys)', () => {
    const a = decodeBatches(encodeCoordinatorRecords([RECORDS[0]!], 1))[0]!.records[0]!.key!;
    const b = decodeBatches(encodeCoordinatorRecords([{ ...RECORDS[0]!, value: null } as CoordinatorRecord], 2))[0]!.records[0]!.key!;
    expect(a.equals(b)).toBe(true);
  });

  it('skips records before the requested offset (a read may start inside a batch)', () => {
    const decoded = decodeCoordinatorRecords(encodeCoordinatorRecords(RECORDS, 1000), 3);
    expect(decoded.records.map((r) => r.offset)).toEqual([3, 4]);
  });
});
