// The group coordinator of the scripted broker double: just enough of Kafka's protocol
// (MEMBER_ID_REQUIRED, a join barrier, leader-computed assignments, REBALANCE_IN_PROGRESS on
// heartbeat, generation checks on commit) for the client's group tests. In memory, one
// coordinator node; not a model of the real coordinator's timeouts.
import type { ErrorCode } from '@quill/proto';

interface Member {
  memberId: string;
  groupInstanceId: string | undefined;
  protocols: Array<{ name: string; metadata: Buffer }>;
  /** Resolves the member's pending JoinGroup. */
  join: ((answer: JoinAnswer) => void) | undefined;
  rebalanceTimeoutMs: number;
}

interface JoinAnswer {
  error?: { code: ErrorCode; message: string };
  generationId: number;
  protocolType: string;
  protocolName: string;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId?: string; metadata: Buffer }>;
}

interface Group {
  state: 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';
  generationId: number;
  protocolName: string;
  leader: string;
  members: Map<string, Member>;
  assignments: Map<string, Buffer> | undefined;
  syncWaiters: Array<() => void>;
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** The initial rebalance delay of the current rebalance has passed. */
  delayElapsed: boolean;
}

const error = (code: ErrorCode, message = code as string) => ({ error: { code, message } });

export class ScriptedGroups {
  /** The node that coordinates every group; other nodes answer NOT_COORDINATOR. */
  coordinator: number;
  /** Kafka's group.initial.rebalance.delay.ms, shortened: a join waits this long for others to join too. */
  rebalanceDelayMs = 50;
  readonly groups = new Map<string, Group>();
  /** Committed offsets: group → `topic/partition` → offset. */
  readonly committed = new Map<string, Map<string, number>>();
  private nextMember = 1;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(coordinator: number) {
    this.coordinator = coordinator;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = {
        state: 'Empty',
        generationId: 0,
        protocolName: '',
        leader: '',
        members: new Map(),
        assignments: undefined,
        syncWaiters: [],
        rebalanceTimer: undefined,
        delayElapsed: false,
      };
      this.groups.set(groupId, group);
    }
    return group;
  }

  findCoordinator(request: { keys: string[] }) {
    return { coordinators: request.keys.map((key) => ({ key, nodeId: this.coordinator, errorCode: 'NONE' as ErrorCode })) };
  }

  joinGroup(
    nodeId: number,
    request: {
      groupId: string;
      memberId: string;
      groupInstanceId?: string | null;
      protocolType: string;
      protocols: Array<{ name: string; metadata: Buffer }>;
      rebalanceTimeoutMs: number;
    },
  ): JoinAnswer | Promise<JoinAnswer> | ReturnType<typeof error> {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const group = this.group(request.groupId);
    if (request.memberId === '') {
      const memberId = `member-${this.nextMember++}`;
      return { ...error('MEMBER_ID_REQUIRED' as ErrorCode), memberId, generationId: -1, protocolType: '', protocolName: '', leader: '', members: [] };
    }
    const member: Member = group.members.get(request.memberId) ?? {
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? undefined,
      protocols: [],
      join: undefined,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
    };
    member.protocols = request.protocols;
    group.members.set(member.memberId, member);
    const answer = new Promise<JoinAnswer>((resolve) => (member.join = resolve));
    this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
    return answer;
  }

  syncGroup(
    nodeId: number,
    request: { groupId: string; generationId: number; memberId: string; assignments: Array<{ memberId: string; assignment: Buffer }> },
  ) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const group = this.group(request.groupId);
    if (!group.members.has(request.memberId)) return error('UNKNOWN_MEMBER_ID' as ErrorCode);
    if (request.generationId !== group.generationId) return error('ILLEGAL_GENERATION' as ErrorCode);
    if (group.state === 'PreparingRebalance') return error('REBALANCE_IN_PROGRESS' as ErrorCode);
    if (request.memberId === group.leader) {
      group.assignments = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
      group.state = 'Stable';
      for (const wake of group.syncWaiters.splice(0)) wake();
    }
    const answer = () => {
      if (group.generationId !== request.generationId) return error('REBALANCE_IN_PROGRESS' as ErrorCode);
      return { protocolType: 'consumer', protocolName: group.protocolName, assignment: group.assignments?.get(request.memberId) ?? Buffer.alloc(0) };
    };
    if (group.assignments) return answer();
    return new Promise<ReturnType<typeof answer>>((resolve) => group.syncWaiters.push(() => resolve(answer())));
  }

  heartbeat(nodeId: number, request: { groupId: string; generationId: number; memberId: string }) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const group = this.group(request.groupId);
    if (!group.members.has(request.memberId)) return error('UNKNOWN_MEMBER_ID' as ErrorCode);
    if (group.state === 'PreparingRebalance') return error('REBALANCE_IN_PROGRESS' as ErrorCode);
    if (request.generationId !== group.generationId) return error('ILLEGAL_GENERATION' as ErrorCode);
    return {};
  }

  leaveGroup(nodeId: number, request: { groupId: string; members: Array<{ memberId: string }> }) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const group = this.group(request.groupId);
    for (const { memberId } of request.members) group.members.delete(memberId);
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.generationId++;
    } else {
      this.prepareRebalance(group);
      this.maybeCompleteJoin(group);
    }
    return { members: request.members.map((m) => ({ memberId: m.memberId, errorCode: 'NONE' as ErrorCode })) };
  }

  offsetCommit(
    nodeId: number,
    request: {
      groupId: string;
      generationId: number;
      memberId: string;
      topics: Array<{ name: string; partitions: Array<{ partition: number; committedOffset: number }> }>;
    },
  ) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const group = this.group(request.groupId);
    let code: ErrorCode = 'NONE' as ErrorCode;
    if (request.generationId >= 0) {
      if (!group.members.has(request.memberId)) code = 'UNKNOWN_MEMBER_ID' as ErrorCode;
      else if (request.generationId !== group.generationId) code = 'ILLEGAL_GENERATION' as ErrorCode;
      else if (group.state === 'CompletingRebalance') code = 'REBALANCE_IN_PROGRESS' as ErrorCode;
    } else if (group.members.size > 0) code = 'UNKNOWN_MEMBER_ID' as ErrorCode;
    const offsets = this.committed.get(request.groupId) ?? new Map<string, number>();
    this.committed.set(request.groupId, offsets);
    return {
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (code === 'NONE') offsets.set(`${t.name}/${p.partition}`, p.committedOffset);
          return { partition: p.partition, errorCode: code };
        }),
      })),
    };
  }

  offsetFetch(nodeId: number, request: { groupId: string; topics: Array<{ topic: string; partitions: number[] }> }) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    const offsets = this.committed.get(request.groupId) ?? new Map<string, number>();
    // No topics asked: every partition the group committed.
    const asked = request.topics.length > 0 ? request.topics : committedTopics(offsets);
    return {
      topics: asked.map((t) => ({
        name: t.topic,
        partitions: t.partitions.map((partition) => ({
          partition,
          committedOffset: offsets.get(`${t.topic}/${partition}`) ?? -1,
          committedLeaderEpoch: -1,
          errorCode: 'NONE' as ErrorCode,
        })),
      })),
    };
  }

  listGroups(nodeId: number) {
    if (nodeId !== this.coordinator) return { groups: [] };
    return { groups: [...this.groups].map(([groupId, g]) => ({ groupId, protocolType: 'consumer', groupState: g.state })) };
  }

  describeGroups(nodeId: number, request: { groupIds: string[] }) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    return {
      groups: request.groupIds.map((groupId) => {
        const g = this.groups.get(groupId);
        if (!g) return { groupId, errorCode: 'NONE' as ErrorCode, groupState: 'Dead', members: [] };
        return {
          groupId,
          errorCode: 'NONE' as ErrorCode,
          groupState: g.state,
          protocolType: 'consumer',
          protocolName: g.protocolName,
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            clientId: 'scripted',
            clientHost: '/127.0.0.1',
            memberMetadata: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? Buffer.alloc(0),
            memberAssignment: g.assignments?.get(m.memberId) ?? Buffer.alloc(0),
          })),
        };
      }),
    };
  }

  deleteGroups(nodeId: number, request: { groupIds: string[] }) {
    if (nodeId !== this.coordinator) return error('NOT_COORDINATOR' as ErrorCode);
    return {
      results: request.groupIds.map((groupId) => {
        const g = this.groups.get(groupId);
        if (!g) return { groupId, errorCode: 'GROUP_ID_NOT_FOUND' as ErrorCode };
        if (g.members.size > 0) return { groupId, errorCode: 'NON_EMPTY_GROUP' as ErrorCode };
        this.groups.delete(groupId);
        this.committed.delete(groupId);
        return { groupId, errorCode: 'NONE' as ErrorCode };
      }),
    };
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'PreparingRebalance') return;
    group.state = 'PreparingRebalance';
    group.assignments = undefined;
    // Members that do not rejoin within their rebalance timeout are dropped (Kafka's behaviour).
    const timeoutMs = Math.max(...[...group.members.values()].map((m) => m.rebalanceTimeoutMs), this.rebalanceDelayMs);
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = this.timer(timeoutMs, () => {
      for (const [id, m] of group.members) if (!m.join) group.members.delete(id);
      group.delayElapsed = true;
      this.maybeCompleteJoin(group);
    });
    group.delayElapsed = false;
    this.timer(this.rebalanceDelayMs, () => {
      group.delayElapsed = true;
      this.maybeCompleteJoin(group);
    });
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || !group.delayElapsed) return;
    const members = [...group.members.values()];
    if (members.length === 0 || members.some((m) => !m.join)) return;
    clearTimeout(group.rebalanceTimer);
    group.generationId++;
    group.state = 'CompletingRebalance';
    group.protocolName = members[0]!.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)))?.name ?? '';
    group.leader = members[0]!.memberId;
    for (const m of members) {
      const join = m.join!;
      m.join = undefined;
      join({
        generationId: group.generationId,
        protocolType: 'consumer',
        protocolName: group.protocolName,
        leader: group.leader,
        memberId: m.memberId,
        members:
          m.memberId === group.leader
            ? members.map((x) => ({
                memberId: x.memberId,
                ...(x.groupInstanceId !== undefined ? { groupInstanceId: x.groupInstanceId } : {}),
                metadata: x.protocols.find((p) => p.name === group.protocolName)?.metadata ?? Buffer.alloc(0),
              }))
            : [],
      });
    }
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}

function committedTopics(offsets: ReadonlyMap<string, number>): Array<{ topic: string; partitions: number[] }> {
  const topics = new Map<string, number[]>();
  for (const key of offsets.keys()) {
    const cut = key.lastIndexOf('/');
    const topic = key.slice(0, cut);
    topics.set(topic, [...(topics.get(topic) ?? []), Number(key.slice(cut + 1))]);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
