import type { ErrorCode, OffsetCommitRequest__Output, OffsetFetchRequest__Output, OffsetFetchResponse, OffsetFetchTopicResult } from '@quill/proto';
import type { CoordinatorRecord, GroupMetadataRecordValue } from './coordinator-record.js';
import type { EffectsOutbox, WriteContinuation } from './effects.js';
import { Group, offsetKey, type CommittedOffset } from './group.js';

/**
 * The groups of one __consumer_offsets partition and what makes them durable (Kafka's
 * GroupMetadataManager): replays the partition's records on load, writes group metadata
 * records, stores and fetches committed offsets, and writes the tombstones of deleted groups.
 * Pure: writes go to the outbox, and offsets change only once their write is durable.
 */
export class GroupMetadataManager {
  private readonly groups = new Map<string, Group>();
  /** Offset keys (group id, topic, partition) with a commit written but not yet durable: never expired meanwhile. */
  private readonly pendingCommits = new Map<string, number>();
  /** Groups whose expiry tombstones are being written: not expired again meanwhile. */
  private readonly expiring = new Set<Group>();

  constructor(
    private readonly outbox: EffectsOutbox,
    /** offset.metadata.max.bytes */
    private readonly offsetMetadataMaxBytes: number,
  ) {}

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  all(): IterableIterator<Group> {
    return this.groups.values();
  }

  getOrCreate(groupId: string, now: number): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new Group(groupId, now);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Whether `group` is still the one held under its id (not deleted nor replaced meanwhile). */
  holds(group: Group): boolean {
    return this.groups.get(group.groupId) === group;
  }

  remove(group: Group): void {
    this.groups.delete(group.groupId);
  }

  /** Forgets every group (the partition is no longer led here). */
  clear(): void {
    this.groups.clear();
    this.expiring.clear();
  }

  /** A group that never got a member nor an offset (a failed first join) is forgotten. */
  dropIfUnused(group: Group): void {
    if (group.is('Empty') && group.generationId === 0 && group.members.size === 0 && group.pendingMembers.size === 0 && group.offsets.size === 0) {
      this.groups.delete(group.groupId);
    }
  }

  // ------------------------------------------------------------------ loading

  /** Applies one record read back from the partition (load before serving). */
  replay(record: CoordinatorRecord, now: number): void {
    if (record.kind === 'offset') {
      const key = offsetKey(record.topic, record.partition);
      if (record.value === null) {
        this.groups.get(record.groupId)?.offsets.delete(key);
        return;
      }
      const group = this.getOrCreate(record.groupId, now);
      group.offsets.set(key, { topic: record.topic, partition: record.partition, value: { ...record.value } });
      return;
    }
    if (record.value === null) {
      this.groups.delete(record.groupId);
      return;
    }
    const group = new Group(record.groupId, now);
    const previous = this.groups.get(record.groupId);
    if (previous !== undefined) for (const [k, v] of previous.offsets) group.offsets.set(k, v);
    this.groups.set(record.groupId, group);
    const value = record.value;
    group.generationId = value.generationId;
    group.protocolType = value.protocolType === '' ? undefined : value.protocolType;
    group.protocolName = value.protocolName === '' ? undefined : value.protocolName;
    group.stateTimestampMs = value.currentStateTimestampMs;
    for (const m of value.members) {
      group.add({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocolType: value.protocolType,
        protocols: [{ name: value.protocolName, metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: undefined,
        awaitingSync: undefined,
        heartbeatDeadline: now + m.sessionTimeoutMs,
      });
    }
    group.leaderId = value.leader === '' ? group.leaderId : value.leader;
    // A loaded group with members is Stable (Kafka does the same); members get a full session.
    if (group.members.size > 0) group.state = 'Stable';
  }

  /** Ends a load: every loaded member gets a fresh session from now. */
  loaded(now: number): void {
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) member.heartbeatDeadline = now + member.sessionTimeoutMs;
    }
  }

  // ------------------------------------------------------------------ writes

  /** Writes the group's metadata record (with `assignments` instead of the members' current ones, if given). */
  storeGroup(group: Group, now: number, continuation: WriteContinuation, assignments?: ReadonlyMap<string, Buffer>): void {
    this.outbox.write([groupRecord(group, now, assignments)], continuation);
  }

  /**
   * Stores a commit the membership checks admitted: one offset record per partition (oversized
   * metadata refused per partition), answered once durable; the offsets change only then.
   */
  storeOffsets(now: number, requestId: number, group: Group, request: OffsetCommitRequest__Output): void {
    const records: CoordinatorRecord[] = [];
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const metadata = p.committedMetadata;
        if (metadata !== undefined && Buffer.byteLength(metadata) > this.offsetMetadataMaxBytes) {
          return { partition: p.partition, errorCode: 'OFFSET_METADATA_TOO_LARGE' as ErrorCode, errorMessage: `Metadata exceeds offset.metadata.max.bytes (${this.offsetMetadataMaxBytes}).` };
        }
        records.push({
          kind: 'offset',
          groupId: group.groupId,
          topic: t.name,
          partition: p.partition,
          value: { committedOffset: p.committedOffset, committedLeaderEpoch: p.committedLeaderEpoch, committedMetadata: metadata, commitTimestampMs: now },
        });
        return { partition: p.partition, errorCode: 'NONE' as ErrorCode, errorMessage: '' };
      }),
    }));
    if (records.length === 0) {
      this.outbox.reply(requestId, { topics });
      this.dropIfUnused(group);
      return;
    }
    const pending = records.map((r) => (r.kind === 'offset' ? pendingKey(group.groupId, r.topic, r.partition) : ''));
    for (const key of pending) this.pendingCommits.set(key, (this.pendingCommits.get(key) ?? 0) + 1);
    this.outbox.write(records, (_at, failure) => {
      for (const key of pending) {
        const left = (this.pendingCommits.get(key) ?? 1) - 1;
        if (left > 0) this.pendingCommits.set(key, left);
        else this.pendingCommits.delete(key);
      }
      if (failure !== undefined) {
        const code = commitWriteError(failure.code);
        for (const t of topics) for (const p of t.partitions) if (p.errorCode === 'NONE') Object.assign(p, { errorCode: code, errorMessage: failure.message });
        this.dropIfUnused(group);
      } else if (this.holds(group)) {
        for (const r of records) if (r.kind === 'offset' && r.value !== null) group.offsets.set(offsetKey(r.topic, r.partition), { topic: r.topic, partition: r.partition, value: r.value });
      }
      this.outbox.reply(requestId, { topics });
    });
  }

  /** Committed offsets: those asked for (-1 where none), or every one the group has. */
  fetchOffsets(request: OffsetFetchRequest__Output): OffsetFetchResponse {
    const group = this.groups.get(request.groupId);
    const result = (topic: string, partition: number) => {
      const committed = group?.offsets.get(offsetKey(topic, partition))?.value;
      return {
        partition,
        committedOffset: committed?.committedOffset ?? -1,
        committedLeaderEpoch: committed?.committedLeaderEpoch ?? -1,
        ...(committed?.committedMetadata === undefined ? {} : { committedMetadata: committed.committedMetadata }),
        errorCode: 'NONE' as ErrorCode,
        errorMessage: '',
      };
    };
    if (request.topics.length > 0) {
      return { topics: request.topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((p) => result(t.topic, p)) })) };
    }
    const byTopic = new Map<string, OffsetFetchTopicResult>();
    for (const { topic, partition } of group?.offsets.values() ?? []) {
      const entry = byTopic.get(topic) ?? { name: topic, partitions: [] };
      entry.partitions!.push(result(topic, partition));
      byTopic.set(topic, entry);
    }
    return { topics: [...byTopic.values()] };
  }

  /**
   * Expires the committed offsets of Empty groups, as Kafka 2.1+ does: `retentionMs` counts from
   * when the group became empty, or from each commit for a group that never had members
   * (standalone commits). Tombstones make it durable, so a coordinator elsewhere does not bring
   * them back; a group left without offsets goes too, as does an Empty group that never had
   * any. An offset with a commit in flight is kept,
   * so no tombstone lands after a newer commit. Memory changes once the tombstones are durable.
   */
  expireOffsets(now: number, retentionMs: number): void {
    for (const group of this.groups.values()) {
      if (!group.is('Empty') || this.expiring.has(group)) continue;
      const records: CoordinatorRecord[] = [];
      const expired: Array<[string, CommittedOffset]> = [];
      for (const [key, { topic, partition, value }] of group.offsets) {
        const since = group.protocolType === undefined ? value.commitTimestampMs : group.stateTimestampMs;
        if (now - since < retentionMs || this.pendingCommits.has(pendingKey(group.groupId, topic, partition))) continue;
        expired.push([key, value]);
        records.push({ kind: 'offset', groupId: group.groupId, topic, partition, value: null });
      }
      // A group left without offsets goes too, as Kafka's cleanup does: one whose members all
      // left without committing is removed at the next check, not kept for ever.
      const removesGroup = expired.length === group.offsets.size && group.members.size === 0 && !this.hasPendingCommits(group.groupId);
      if (expired.length === 0 && !removesGroup) continue;
      if (removesGroup) records.push({ kind: 'group', groupId: group.groupId, value: null });
      this.expiring.add(group);
      // One write per group, as Kafka does: however many groups expire at once, no batch outgrows
      // max.message.bytes. A failed write keeps everything: the next check writes them again.
      this.outbox.write(records, (_at, failure) => {
        this.expiring.delete(group);
        if (failure !== undefined || !this.holds(group)) return;
        for (const [key, value] of expired) if (group.offsets.get(key)?.value === value) group.offsets.delete(key);
        // A commit that came in meanwhile is written after the tombstones and applied when it
        // completes: the group stays for it (acknowledged offsets must not vanish from memory).
        if (removesGroup && group.is('Empty') && group.members.size === 0 && group.offsets.size === 0 && !this.hasPendingCommits(group.groupId)) {
          this.groups.delete(group.groupId);
        }
      });
    }
  }

  private hasPendingCommits(groupId: string): boolean {
    const prefix = pendingKey(groupId, '', 0).slice(0, groupId.length + 1);
    for (const key of this.pendingCommits.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** Writes the tombstones of deleted groups: each one's offsets, then the group itself. */
  storeTombstones(groups: readonly Group[], continuation: WriteContinuation): void {
    const records: CoordinatorRecord[] = [];
    for (const group of groups) {
      for (const { topic, partition } of group.offsets.values()) records.push({ kind: 'offset', groupId: group.groupId, topic, partition, value: null });
      records.push({ kind: 'group', groupId: group.groupId, value: null });
    }
    this.outbox.write(records, continuation);
  }
}

function pendingKey(groupId: string, topic: string, partition: number): string {
  return `${groupId}\u0000${offsetKey(topic, partition)}`;
}

function groupRecord(group: Group, now: number, assignments?: ReadonlyMap<string, Buffer>): CoordinatorRecord {
  const value: GroupMetadataRecordValue = {
    protocolType: group.protocolType ?? '',
    generationId: group.generationId,
    protocolName: group.protocolName ?? '',
    leader: group.leaderId ?? '',
    currentStateTimestampMs: now,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: group.metadataOf(m),
      assignment: assignments === undefined ? m.assignment : (assignments.get(m.memberId) ?? Buffer.alloc(0)),
    })),
  };
  return { kind: 'group', groupId: group.groupId, value };
}

/** Kafka's mapping of append errors for a group metadata write. */
export function groupWriteError(code: ErrorCode): ErrorCode {
  switch (code) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
    case 'REQUEST_TIMED_OUT':
      return 'COORDINATOR_NOT_AVAILABLE';
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'KAFKA_STORAGE_ERROR':
      return 'NOT_COORDINATOR';
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
    case 'INVALID_FETCH_SIZE':
      return 'UNKNOWN_SERVER_ERROR';
    default:
      return code;
  }
}

/** Kafka's mapping of append errors for an offset commit. */
function commitWriteError(code: ErrorCode): ErrorCode {
  return code === 'MESSAGE_TOO_LARGE' || code === 'RECORD_LIST_TOO_LARGE' || code === 'INVALID_FETCH_SIZE' ? 'INVALID_COMMIT_OFFSET_SIZE' : groupWriteError(code);
}
