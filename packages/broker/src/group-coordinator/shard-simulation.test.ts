import type { ErrorCode, JoinGroupResponse, OffsetCommitResponse, SyncGroupResponse } from '@quill/proto';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import type { Effects, Reply, Write } from './effects.js';
import { advanceShard } from '../test-support/coordinator-shard-driver.js';
import { CoordinatorShard } from './shard.js';

// Randomized runs of one group on one shard: consumers that follow the protocol (with crashes,
// restarts of static members, leaves, metadata changes), failed and delayed writes, and time
// jumps. Safety is checked on every reply; at the end the faults stop and the survivors must
// reach a Stable generation with the assignment its leader chose. A failure names its seed.

const SEED = seedFromEnv(20261122);
const RUNS = 60;
const STEPS = 400;
const SESSION_MS = 3000;
const REBALANCE_MS = 6000;
const HEARTBEAT_MS = 1000;

type Phase = 'idle' | 'joining' | 'syncing' | 'stable' | 'crashed';

interface Consumer {
  name: string;
  instanceId: string | undefined;
  memberId: string;
  generationId: number;
  phase: Phase;
  protocols: string[];
  lastHeartbeat: number;
  assignment: string | undefined;
  /** Requests in flight: request id -> kind. */
  inflight: Map<number, 'join' | 'sync' | 'heartbeat' | 'commit' | 'leave'>;
}

class Simulation {
  now = 0;
  private nextRequest = 1;
  private nextMemberId = 1;
  private readonly shard = new CoordinatorShard({ minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: 100, groupMaxSize: 50, offsetMetadataMaxBytes: 4096, offsetsRetentionMs: 7 * 24 * 3_600_000, offsetsRetentionCheckIntervalMs: 600_000 });
  private readonly owner = new Map<number, Consumer>();
  private readonly answered = new Set<number>();
  private held: Write[] = [];
  failWrites = false;
  holdWrites = false;
  readonly consumers: Consumer[] = [];
  /** Per generation: the leader, the protocol, and what the leader assigned (once its sync succeeded). */
  private readonly generations = new Map<number, { leader: string; protocol: string; assigned?: Map<string, string> }>();
  private readonly pendingLeaderAssignments = new Map<number, { generationId: number; assignments: Map<string, string> }>();
  maxGeneration = 0;

  constructor(private readonly random: SeededRandom) {
    for (let i = 0; i < 6; i++) {
      this.consumers.push({
        name: `c${i}`,
        instanceId: i % 3 === 0 ? `instance-${i}` : undefined,
        memberId: '',
        generationId: -1,
        phase: 'idle',
        protocols: ['range', 'roundrobin'],
        lastHeartbeat: 0,
        assignment: undefined,
        inflight: new Map(),
      });
    }
  }

  private apply(effects: Effects): void {
    for (const w of effects.writes) this.held.push(w);
    for (const r of effects.replies) this.onReply(r);
    if (!this.holdWrites) this.flushWrites();
  }

  flushWrites(): void {
    while (this.held.length > 0) {
      const w = this.held.shift()!;
      const failure = this.failWrites && this.random.chance(0.5) ? { code: 'NOT_ENOUGH_REPLICAS' as ErrorCode, message: 'simulated' } : undefined;
      this.apply(this.shard.writeCompleted(this.now, w.writeId, failure));
    }
  }

  private send(consumer: Consumer, kind: 'join' | 'sync' | 'heartbeat' | 'commit' | 'leave', run: (requestId: number) => Effects): void {
    const requestId = this.nextRequest++;
    consumer.inflight.set(requestId, kind);
    this.owner.set(requestId, consumer);
    this.apply(run(requestId));
  }

  join(c: Consumer): void {
    c.phase = 'joining';
    this.send(c, 'join', (id) =>
      this.shard.join(
        this.now,
        id,
        {
          groupId: 'g',
          sessionTimeoutMs: SESSION_MS,
          rebalanceTimeoutMs: REBALANCE_MS,
          memberId: c.memberId,
          ...(c.instanceId === undefined ? {} : { groupInstanceId: c.instanceId }),
          protocolType: 'consumer',
          protocols: c.protocols.map((name) => ({ name, metadata: Buffer.from(`${c.name}:${name}`) })),
          reason: '',
        },
        { clientId: c.name, clientHost: '/sim', newMemberId: `${c.name}-${this.nextMemberId++}` },
      ),
    );
  }

  heartbeat(c: Consumer): void {
    c.lastHeartbeat = this.now;
    this.send(c, 'heartbeat', (id) =>
      this.shard.heartbeat(this.now, id, { groupId: 'g', generationId: c.generationId, memberId: c.memberId, ...(c.instanceId === undefined ? {} : { groupInstanceId: c.instanceId }) }),
    );
  }

  commit(c: Consumer): void {
    this.send(c, 'commit', (id) =>
      this.shard.commitOffsets(this.now, id, {
        groupId: 'g',
        generationId: c.generationId,
        memberId: c.memberId,
        ...(c.instanceId === undefined ? {} : { groupInstanceId: c.instanceId }),
        topics: [{ name: 't', partitions: [{ partition: 0, committedOffset: this.now, committedLeaderEpoch: -1 }] }],
      }),
    );
  }

  leave(c: Consumer): void {
    this.send(c, 'leave', (id) => this.shard.leave(this.now, id, { groupId: 'g', members: [{ memberId: c.memberId, reason: '' }] }));
    c.phase = 'idle';
    c.memberId = '';
  }

  /** A crash: in-flight requests are forgotten (their replies still come; nobody reads them). */
  crash(c: Consumer): void {
    c.phase = 'crashed';
    c.inflight.clear();
    if (c.instanceId === undefined) c.memberId = '';
    else c.memberId = ''; // a restarted static member knows only its instance id
  }

  private onReply(reply: Reply): void {
    if (this.answered.has(reply.requestId)) throw new Error(`request ${reply.requestId} answered twice`);
    this.answered.add(reply.requestId);
    const c = this.owner.get(reply.requestId)!;
    this.owner.delete(reply.requestId);
    const kind = c.inflight.get(reply.requestId);
    if (kind === undefined) return; // sent before a crash or a newer request
    c.inflight.delete(reply.requestId);
    const code = (reply.response as { error?: { code: ErrorCode } | null }).error?.code ?? 'NONE';
    if (kind === 'join') this.onJoin(c, reply.response as JoinGroupResponse, code);
    else if (kind === 'sync') this.onSync(c, reply.response as SyncGroupResponse, code, reply.requestId);
    else if (kind === 'heartbeat') this.onError(c, code);
    else if (kind === 'commit') {
      const codes = (reply.response as OffsetCommitResponse).topics!.flatMap((t) => t.partitions!.map((p) => p.errorCode));
      this.onError(c, codes[0] as ErrorCode);
    }
  }

  private onJoin(c: Consumer, r: JoinGroupResponse, code: ErrorCode): void {
    if (code === 'MEMBER_ID_REQUIRED') {
      c.memberId = r.memberId!;
      c.phase = 'idle';
      return;
    }
    if (code !== 'NONE') {
      this.onError(c, code);
      if (c.phase === 'joining') c.phase = 'idle';
      return;
    }
    const generationId = r.generationId!;
    expect(generationId, 'generations never go back').toBeGreaterThanOrEqual(this.maxGeneration);
    this.maxGeneration = Math.max(this.maxGeneration, generationId);
    const known = this.generations.get(generationId);
    // Member ids are "<consumer>-<n>": a restarted static leader keeps leading under a new id.
    const leaderConsumer = r.leader!.split('-')[0]!;
    if (known === undefined) this.generations.set(generationId, { leader: leaderConsumer, protocol: r.protocolName! });
    else {
      expect(leaderConsumer, `one leader in generation ${generationId}`).toBe(known.leader);
      expect(r.protocolName, `one protocol in generation ${generationId}`).toBe(known.protocol);
    }
    c.memberId = r.memberId!;
    c.generationId = generationId;
    c.phase = 'syncing';
    c.lastHeartbeat = this.now;
    const isLeader = r.leader === r.memberId;
    const assignments = new Map<string, string>();
    if (isLeader && !r.skipAssignment) for (const m of r.members!) assignments.set(m.memberId!, `${m.memberId}@${generationId}`);
    this.send(c, 'sync', (id) => {
      if (isLeader && !r.skipAssignment) this.pendingLeaderAssignments.set(id, { generationId, assignments });
      return this.shard.sync(this.now, id, {
        groupId: 'g',
        generationId,
        memberId: c.memberId,
        ...(c.instanceId === undefined ? {} : { groupInstanceId: c.instanceId }),
        protocolType: 'consumer',
        protocolName: r.protocolName!,
        assignments: [...assignments].map(([memberId, a]) => ({ memberId, assignment: Buffer.from(a) })),
      });
    });
  }

  private onSync(c: Consumer, r: SyncGroupResponse, code: ErrorCode, requestId: number): void {
    const leaderAssignments = this.pendingLeaderAssignments.get(requestId);
    this.pendingLeaderAssignments.delete(requestId);
    if (code !== 'NONE') {
      this.onError(c, code);
      if (c.phase === 'syncing') c.phase = 'idle';
      return;
    }
    const generation = this.generations.get(c.generationId)!;
    if (leaderAssignments !== undefined) generation.assigned = leaderAssignments.assignments;
    const received = Buffer.from(r.assignment as Buffer).toString();
    // Same generation, same member: what the leader chose (or, for a restarted static member, what its previous incarnation had).
    if (generation.assigned !== undefined && received !== '' && !received.startsWith(c.memberId)) {
      expect(c.instanceId, `${c.name} got another member's assignment ${received}`).toBeDefined();
    }
    c.assignment = received;
    c.phase = 'stable';
  }

  private onError(c: Consumer, code: ErrorCode): void {
    switch (code) {
      case 'NONE':
        return;
      case 'REBALANCE_IN_PROGRESS':
      case 'ILLEGAL_GENERATION':
        if (c.phase === 'stable' || c.phase === 'syncing') c.phase = 'idle';
        return;
      case 'UNKNOWN_MEMBER_ID':
      case 'FENCED_INSTANCE_ID':
        if (c.phase !== 'crashed' && c.phase !== 'joining') {
          c.phase = 'idle';
          c.memberId = '';
        }
        return;
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
        if (c.phase !== 'crashed') c.phase = 'idle';
        return;
      default:
        throw new Error(`unexpected error ${code} for ${c.name}`);
    }
  }

  advance(ms: number): void {
    this.now = advanceShard(this.shard, this.now, ms, (effects, at) => {
      this.now = at;
      this.apply(effects);
    });
  }

  /** What a live consumer does on its own: join when out, heartbeat when in. */
  act(c: Consumer): void {
    if (c.phase === 'idle' && c.inflight.size === 0) this.join(c);
    else if ((c.phase === 'stable' || c.phase === 'syncing') && this.now - c.lastHeartbeat >= HEARTBEAT_MS && ![...c.inflight.values()].includes('heartbeat')) this.heartbeat(c);
  }

  get state() {
    return this.shard.groupState('g');
  }

  get outstanding(): number {
    return this.owner.size;
  }
}

function run(seed: number): void {
  const random = new SeededRandom(seed);
  const sim = new Simulation(random);
  for (let step = 0; step < STEPS; step++) {
    const c = sim.consumers[random.int(0, sim.consumers.length - 1)]!;
    sim.failWrites = random.chance(0.05);
    sim.holdWrites = random.chance(0.2);
    const roll = random.next();
    if (c.phase === 'crashed') {
      if (roll < 0.3) c.phase = 'idle'; // restart
    } else if (roll < 0.03) sim.crash(c);
    else if (roll < 0.06 && c.phase === 'stable' && c.instanceId === undefined) sim.leave(c);
    else if (roll < 0.09 && c.phase === 'stable') {
      c.protocols = random.chance(0.5) ? ['range', 'roundrobin'] : ['roundrobin', 'range'];
      sim.join(c);
    } else if (roll < 0.2 && c.phase === 'stable') sim.commit(c);
    for (const consumer of sim.consumers) if (consumer.phase !== 'crashed') sim.act(consumer);
    if (!sim.holdWrites) sim.flushWrites();
    sim.advance(random.int(0, 700));
  }
  // Liveness: faults stop; crashed consumers stay down; the rest must settle.
  sim.failWrites = false;
  sim.holdWrites = false;
  sim.flushWrites();
  const live = sim.consumers.filter((c) => c.phase !== 'crashed');
  for (let t = 0; t < 120_000 && !(sim.state === 'Stable' && live.every((c) => c.phase === 'stable' && c.generationId === sim.maxGeneration)); t += 100) {
    for (const c of live) sim.act(c);
    sim.advance(100);
  }
  if (live.length > 0) {
    expect(sim.state).toBe('Stable');
    for (const c of live) expect(`${c.name}:${c.phase}:${c.generationId}`).toBe(`${c.name}:stable:${sim.maxGeneration}`);
    const assignments = live.map((c) => c.assignment);
    expect(new Set(assignments).size, 'every live member has its own assignment').toBe(live.length);
  }
  // Crashed consumers' sessions expire; every request got its answer.
  sim.advance(SESSION_MS * 3);
  expect(sim.outstanding).toBe(0);
}

describe('CoordinatorShard simulation', () => {
  it(`keeps one leader per generation and settles after faults (seed ${SEED}, QUILL_SEED to reproduce)`, () => {
    for (let i = 0; i < RUNS; i++) {
      const seed = (SEED + i) >>> 0;
      try {
        run(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
      }
    }
  });
});
