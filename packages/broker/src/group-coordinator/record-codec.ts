import { loadQuillPackage, type GroupCoordinatorRecordKey, type GroupMetadataValue, type OffsetCommitValue } from '@quill/proto';
import { decodeBatches, encodeBatch, type RecordInput } from '@quill/records';
import type { CoordinatorRecord } from './coordinator-record.js';

/**
 * __consumer_offsets records <-> RecordBatch v2 bytes. Keys and values are the protobuf messages
 * of proto/quill/v1/group_metadata.proto; a tombstone is a record with a null value. The batch
 * has no producer id (-1): coordinator writes are not idempotent-produced, as in Kafka.
 */
export function encodeCoordinatorRecords(records: readonly CoordinatorRecord[], timestampMs: number): Buffer {
  const types = loadQuillPackage().quill.v1;
  const inputs: RecordInput[] = records.map((record) => {
    if (record.kind === 'offset') {
      const key: GroupCoordinatorRecordKey = { offsetCommit: { groupId: record.groupId, topic: record.topic, partition: record.partition } };
      const value: OffsetCommitValue | null =
        record.value === null
          ? null
          : {
              committedOffset: record.value.committedOffset,
              committedLeaderEpoch: record.value.committedLeaderEpoch,
              commitTimestampMs: record.value.commitTimestampMs,
              ...(record.value.committedMetadata === undefined ? {} : { committedMetadata: record.value.committedMetadata }),
            };
      return { key: types.GroupCoordinatorRecordKey.serialize(key), value: value === null ? null : types.OffsetCommitValue.serialize(value), timestamp: timestampMs };
    }
    const key: GroupCoordinatorRecordKey = { groupMetadata: { groupId: record.groupId } };
    const value: GroupMetadataValue | null =
      record.value === null
        ? null
        : {
            ...record.value,
            members: record.value.members.map((m) => ({
              memberId: m.memberId,
              ...(m.groupInstanceId === undefined ? {} : { groupInstanceId: m.groupInstanceId }),
              clientId: m.clientId,
              clientHost: m.clientHost,
              rebalanceTimeoutMs: m.rebalanceTimeoutMs,
              sessionTimeoutMs: m.sessionTimeoutMs,
              subscription: m.subscription,
              assignment: m.assignment,
            })),
          };
    return { key: types.GroupCoordinatorRecordKey.serialize(key), value: value === null ? null : types.GroupMetadataValue.serialize(value), timestamp: timestampMs };
  });
  return encodeBatch(inputs, { baseTimestamp: timestampMs });
}

/**
 * Decodes every record of the batches in `buffer` (as read from the log), in offset order, and
 * the offset after the last batch. Records before `fromOffset` (a read may start mid-batch) are
 * skipped; malformed records raise.
 */
export function decodeCoordinatorRecords(buffer: Buffer, fromOffset = 0): { records: Array<{ offset: number; record: CoordinatorRecord }>; nextOffset: number } {
  const types = loadQuillPackage().quill.v1;
  const out: Array<{ offset: number; record: CoordinatorRecord }> = [];
  let nextOffset = fromOffset;
  for (const batch of decodeBatches(buffer)) {
    nextOffset = Math.max(nextOffset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
    if (batch.header.isControl) continue;
    for (const r of batch.records) {
      if (r.offset < fromOffset) continue;
      if (r.key === null) throw new Error(`__consumer_offsets record at offset ${r.offset} has no key`);
      const key = types.GroupCoordinatorRecordKey.deserialize(r.key);
      if (key.offsetCommit != null) {
        const k = key.offsetCommit;
        const v = r.value === null ? null : types.OffsetCommitValue.deserialize(r.value);
        out.push({
          offset: r.offset,
          record: {
            kind: 'offset',
            groupId: k.groupId,
            topic: k.topic,
            partition: k.partition,
            value:
              v === null
                ? null
                : { committedOffset: v.committedOffset, committedLeaderEpoch: v.committedLeaderEpoch, committedMetadata: v.committedMetadata, commitTimestampMs: v.commitTimestampMs },
          },
        });
      } else if (key.groupMetadata != null) {
        const v = r.value === null ? null : types.GroupMetadataValue.deserialize(r.value);
        out.push({
          offset: r.offset,
          record: {
            kind: 'group',
            groupId: key.groupMetadata.groupId,
            value:
              v === null
                ? null
                : {
                    protocolType: v.protocolType,
                    generationId: v.generationId,
                    protocolName: v.protocolName,
                    leader: v.leader,
                    currentStateTimestampMs: v.currentStateTimestampMs,
                    members: v.members.map((m) => ({
                      memberId: m.memberId,
                      groupInstanceId: m.groupInstanceId,
                      clientId: m.clientId,
                      clientHost: m.clientHost,
                      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
                      sessionTimeoutMs: m.sessionTimeoutMs,
                      subscription: m.subscription,
                      assignment: m.assignment,
                    })),
                  },
          },
        });
      } else {
        throw new Error(`__consumer_offsets record at offset ${r.offset} has an unknown key type`);
      }
    }
  }
  return { records: out, nextOffset };
}
