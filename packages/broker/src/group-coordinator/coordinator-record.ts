// The keyed records of __consumer_offsets, as the shard produces and replays them. The codec
// (record-codec.ts) turns them into RecordBatch v2 bytes; the shard never sees bytes.

export interface OffsetCommitRecordValue {
  committedOffset: number;
  committedLeaderEpoch: number;
  committedMetadata: string | undefined;
  commitTimestampMs: number;
}

export interface GroupMemberRecordValue {
  memberId: string;
  groupInstanceId: string | undefined;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataRecordValue {
  protocolType: string;
  generationId: number;
  protocolName: string;
  leader: string;
  currentStateTimestampMs: number;
  members: GroupMemberRecordValue[];
}

/** A record to append or replay; a null value is a tombstone. */
export type CoordinatorRecord =
  | { kind: 'offset'; groupId: string; topic: string; partition: number; value: OffsetCommitRecordValue | null }
  | { kind: 'group'; groupId: string; value: GroupMetadataRecordValue | null };
