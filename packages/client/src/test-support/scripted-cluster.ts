// A test double of the Broker service for the client's tests: real grpc-js servers on
// ephemeral loopback ports, one per broker node, answering from a small shared, scripted
// cluster state (topics, leaders, epochs, in-memory logs). It stands in for the brokers only;
// the client under test is the real one. Not exported from the package.
import * as grpc from '@grpc/grpc-js';
import {
  GRPC_CHANNEL_OPTIONS,
  CLIENT_ID_METADATA_KEY,
  loadQuillPackage,
  type BrokerHandlers,
  type ErrorCode,
  type FetchPartitionResponse,
  type FetchRequest__Output,
  type ProducePartitionResponse,
} from '@quill/proto';
import {
  encodeBatch,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitBatches,
  type RecordInput,
} from '@quill/records';
import { freePort } from '@quill/test-support';
import { ScriptedGroups } from './scripted-groups.js';

export interface ScriptedPartition {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  /** Stamped batches, in offset order. */
  batches: Buffer[];
  logStartOffset: number;
  /** Log end offset (and high watermark: the double has no replication). */
  nextOffset: number;
}

/** A call the double received. */
export interface RecordedCall {
  nodeId: number;
  method: string;
  request: unknown;
  clientId: string | undefined;
}

/** Return a gRPC failure to make a call fail at the transport level. */
export interface GrpcFailure {
  code: grpc.status;
  details: string;
}

/** Lets a test override one partition's answer (return undefined for the default behaviour). */
export type ProduceHook = (args: {
  nodeId: number;
  topic: string;
  partition: number;
  records: Buffer;
}) => ProducePartitionResponse | undefined;
export type FetchHook = (args: {
  nodeId: number;
  topic: string;
  partition: number;
  fetchOffset: number;
  currentLeaderEpoch: number;
}) => FetchPartitionResponse | undefined;

interface Node {
  nodeId: number;
  server: grpc.Server;
  port: number;
}

const HOST = '127.0.0.1';

async function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

/** An address nothing listens on (a free port). */
export async function deadAddress(): Promise<string> {
  return `${HOST}:${await freePort(HOST)}`;
}

export class ScriptedCluster {
  readonly topics = new Map<string, ScriptedPartition[]>();
  /** The id of each topic: a new one each time a name is created (after a delete, too). */
  readonly topicIds = new Map<string, string>();
  private topicsCreated = 0;
  readonly calls: RecordedCall[] = [];
  metadataOffset = 1;
  /** Called first on every call; a GrpcFailure fails it, a number delays it by that many ms, a promise holds it until settled. */
  intercept: ((nodeId: number, method: string, request: unknown) => GrpcFailure | number | Promise<void> | undefined) | undefined;
  onProducePartition: ProduceHook | undefined;
  /**
   * Called after a call was answered: a GrpcFailure replaces the answer the client gets, while
   * what the call did stays done (a response lost on the way back).
   */
  loseResponse: ((nodeId: number, method: string, request: unknown) => GrpcFailure | undefined) | undefined;
  /**
   * Check idempotent producers' sequence numbers as a broker does (off by default): a retried
   * batch among a producer's last five is answered with its original offset and not appended
   * again, a batch that does not continue the sequence gets OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  checkSequences = false;
  /** Per `topicId-partition`, per producer id: the last five batches' sequence ranges and offsets. */
  private readonly sequences = new Map<string, Map<number, Array<{ first: number; last: number; baseOffset: number }>>>();
  onFetchPartition: FetchHook | undefined;
  /** ProduceStream and FetchStream calls opened, on every node. */
  streamsOpened = 0;
  /** The group coordinator (on the first node unless moved). */
  groups!: ScriptedGroups;
  private readonly nodes = new Map<number, Node>();
  private readonly appendWaiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts one server per node id. */
  static async start(nodeIds: readonly number[]): Promise<ScriptedCluster> {
    const cluster = new ScriptedCluster();
    cluster.groups = new ScriptedGroups(nodeIds[0] ?? -1);
    for (const nodeId of nodeIds) await cluster.startNode(nodeId);
    return cluster;
  }

  private async startNode(nodeId: number): Promise<void> {
    const server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
    server.addService(loadQuillPackage().quill.v1.Broker.service, this.handlers(nodeId));
    const port = await bind(server);
    this.nodes.set(nodeId, { nodeId, server, port });
  }

  address(nodeId: number): string {
    const node = this.nodes.get(nodeId);
    if (!node) throw new Error(`no node ${nodeId}`);
    return `${HOST}:${node.port}`;
  }

  addresses(): string[] {
    return [...this.nodes.keys()].map((id) => this.address(id));
  }

  /** Adds a topic whose partition i is led by `leaders[i]` (replicas: all nodes, leader first). */
  addTopic(name: string, leaders: readonly number[]): void {
    const nodeIds = [...this.nodes.keys()];
    this.topics.set(
      name,
      leaders.map((leader) => {
        const replicas = [leader, ...nodeIds.filter((id) => id !== leader)];
        return { leader, leaderEpoch: 0, replicas, isr: [...replicas], batches: [], logStartOffset: 0, nextOffset: 0 };
      }),
    );
    this.topicIds.set(name, `id-${name}-${++this.topicsCreated}`);
    this.metadataOffset++;
  }

  /** Deletes a topic with its logs and producer state, as a broker does. */
  deleteTopic(name: string): boolean {
    const topicId = this.topicIds.get(name);
    if (topicId === undefined) return false;
    this.topics.delete(name);
    this.topicIds.delete(name);
    for (const key of [...this.sequences.keys()]) if (key.startsWith(`${topicId}-`)) this.sequences.delete(key);
    this.metadataOffset++;
    return true;
  }

  partition(topic: string, partition: number): ScriptedPartition {
    const p = this.topics.get(topic)?.[partition];
    if (!p) throw new Error(`no partition ${topic}-${partition}`);
    return p;
  }

  /** Elects a new leader: the epoch goes up and the metadata offset with it. */
  moveLeader(topic: string, partition: number, leader: number): void {
    const p = this.partition(topic, partition);
    p.leader = leader;
    p.leaderEpoch++;
    this.metadataOffset++;
  }

  /** Appends records as one batch, as a producer would have; returns its base offset. */
  append(topic: string, partition: number, records: RecordInput[]): number {
    return this.appendBatches(this.partition(topic, partition), encodeBatch(records, { compression: 'none' }));
  }

  /** Appends already-encoded batches (transactional, control, ...) as a producer would have sent them. */
  appendRaw(topic: string, partition: number, batches: Buffer): number {
    return this.appendBatches(this.partition(topic, partition), batches);
  }

  /** Every record of a partition, decoded lazily by the caller: the stamped batches. */
  log(topic: string, partition: number): Buffer {
    return Buffer.concat(this.partition(topic, partition).batches);
  }

  callsTo(method: string, nodeId?: number): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (nodeId === undefined || c.nodeId === nodeId));
  }

  /** Stops every server at once (in-flight long polls end) and every pending timer. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.groups.stop();
    for (const wake of this.appendWaiters) wake();
    for (const node of this.nodes.values()) node.server.forceShutdown();
    this.nodes.clear();
  }

  /** Stops one node, as if its process died. */
  stopNode(nodeId: number): void {
    this.nodes.get(nodeId)?.server.forceShutdown();
  }

  private appendBatches(p: ScriptedPartition, records: Buffer): number {
    const baseOffset = p.nextOffset;
    for (const { header, position } of splitBatches(records, { verifyCrc: true })) {
      const batch = Buffer.from(records.subarray(position, position + header.sizeInBytes));
      setBaseOffset(batch, p.nextOffset);
      setPartitionLeaderEpoch(batch, p.leaderEpoch);
      p.batches.push(batch);
      p.nextOffset += header.lastOffsetDelta + 1;
    }
    for (const wake of this.appendWaiters) wake();
    this.appendWaiters.clear();
    return baseOffset;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /**
   * Records a call, applies `intercept` and `loseResponse`, and answers: the answer, or the gRPC
   * failure the client is to get instead.
   */
  private async serve<Req, Res>(
    nodeId: number,
    method: string,
    call: { request?: Req; metadata: grpc.Metadata },
    request: Req,
    answer: (request: Req) => Res | Promise<Res>,
  ): Promise<{ response: Res } | { failure: GrpcFailure }> {
    const clientId = call.metadata.get(CLIENT_ID_METADATA_KEY)[0];
    this.calls.push({ nodeId, method, request, clientId: clientId === undefined ? undefined : String(clientId) });
    const intercepted = this.intercept?.(nodeId, method, request);
    if (typeof intercepted === 'number') await this.sleep(intercepted);
    else if (intercepted instanceof Promise) await intercepted;
    else if (intercepted) return { failure: intercepted };
    try {
      const response = await answer(request);
      const lost = this.loseResponse?.(nodeId, method, request);
      return lost ? { failure: lost } : { response };
    } catch (error) {
      return { failure: { code: grpc.status.INTERNAL, details: String(error) } };
    }
  }

  /** A unary handler around `serve`. */
  private unary<Req, Res>(
    nodeId: number,
    method: string,
    answer: (request: Req) => Res | Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      void this.serve(nodeId, method, call, call.request, answer).then((outcome) =>
        'failure' in outcome ? callback({ code: outcome.failure.code, details: outcome.failure.details }) : callback(null, outcome.response),
      );
    };
  }

  /**
   * A stream handler (ProduceStream, FetchStream) around `serve`, recording its requests under the
   * unary method's name. Answers go in request order; a failure ends the whole stream with that
   * status, as a transport failure would.
   */
  private stream<Req, Res>(
    nodeId: number,
    method: string,
    answer: (request: Req) => Res | Promise<Res>,
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => {
      this.streamsOpened++;
      let previous: Promise<void> = Promise.resolve();
      let failed = false;
      call.on('data', (request: Req) => {
        const outcome = this.serve(nodeId, method, call, request, answer);
        previous = previous.then(async () => {
          const settled = await outcome;
          if (failed || call.cancelled) return;
          if ('failure' in settled) {
            failed = true;
            call.emit('error', { code: settled.failure.code, details: settled.failure.details });
          } else {
            call.write(settled.response);
          }
        });
      });
      call.on('end', () => void previous.then(() => !failed && call.end()));
    };
  }

  /** Producer ids handed out by InitProducerId (idempotent producers ask on their first send). */
  private nextProducerId = 1000;

  private handlers(nodeId: number): BrokerHandlers {
    const unimplemented: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) =>
      callback({ code: grpc.status.UNIMPLEMENTED, details: 'not scripted' });
    const handlers: Partial<BrokerHandlers> = {
      Metadata: this.unary(nodeId, 'Metadata', (request) => this.metadata(request)),
      Produce: this.unary(nodeId, 'Produce', (request) => this.produce(nodeId, request)),
      ProduceStream: this.stream(nodeId, 'Produce', (request) => this.produce(nodeId, request)),
      Fetch: this.unary(nodeId, 'Fetch', (request) => this.fetch(nodeId, request)),
      FetchStream: this.stream(nodeId, 'Fetch', (request) => this.fetch(nodeId, request)),
      ListOffsets: this.unary(nodeId, 'ListOffsets', (request) => this.listOffsets(nodeId, request)),
      CreateTopics: this.unary(nodeId, 'CreateTopics', (request) => this.createTopics(request)),
      DeleteTopics: this.unary(nodeId, 'DeleteTopics', (request) => this.deleteTopics(request)),
      ElectLeaders: this.unary(nodeId, 'ElectLeaders', (request) => this.electPreferredLeaders(request)),
      InitProducerId: this.unary(nodeId, 'InitProducerId', () => ({ producerId: this.nextProducerId++, producerEpoch: 0 })),
      FindCoordinator: this.unary(nodeId, 'FindCoordinator', (request) => this.groups.findCoordinator(request)),
      JoinGroup: this.unary(nodeId, 'JoinGroup', (request) => this.groups.joinGroup(nodeId, request)),
      SyncGroup: this.unary(nodeId, 'SyncGroup', (request) => this.groups.syncGroup(nodeId, request)),
      Heartbeat: this.unary(nodeId, 'Heartbeat', (request) => this.groups.heartbeat(nodeId, request)),
      LeaveGroup: this.unary(nodeId, 'LeaveGroup', (request) => this.groups.leaveGroup(nodeId, request)),
      OffsetCommit: this.unary(nodeId, 'OffsetCommit', (request) => this.groups.offsetCommit(nodeId, request)),
      OffsetFetch: this.unary(nodeId, 'OffsetFetch', (request) => this.groups.offsetFetch(nodeId, request)),
      ListGroups: this.unary(nodeId, 'ListGroups', () => this.groups.listGroups(nodeId)),
      DescribeGroups: this.unary(nodeId, 'DescribeGroups', (request) => this.groups.describeGroups(nodeId, request)),
      DeleteGroups: this.unary(nodeId, 'DeleteGroups', (request) => this.groups.deleteGroups(nodeId, request)),
    };
    return new Proxy(handlers, {
      get: (target, name) => (target as Record<string | symbol, unknown>)[name] ?? unimplemented,
    }) as BrokerHandlers;
  }

  private metadata(request: { topics: string[]; allTopics: boolean }) {
    const names = request.allTopics ? [...this.topics.keys()] : request.topics;
    return {
      clusterId: 'scripted',
      controllerId: [...this.nodes.keys()][0] ?? -1,
      metadataOffset: this.metadataOffset,
      brokers: [...this.nodes.values()].map((n) => ({ brokerId: n.nodeId, host: HOST, port: n.port })),
      topics: names.map((name) => {
        const partitions = this.topics.get(name);
        if (!partitions) {
          return { name, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' as ErrorCode, errorMessage: 'no such topic', partitions: [] };
        }
        return {
          name,
          topicId: this.topicIds.get(name)!,
          errorCode: 'NONE' as ErrorCode,
          partitions: partitions.map((p, i) => ({
            partition: i,
            errorCode: (p.leader < 0 ? 'LEADER_NOT_AVAILABLE' : 'NONE') as ErrorCode,
            leaderId: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.isr,
          })),
        };
      }),
    };
  }

  private produce(
    nodeId: number,
    request: { acks: number; topics: Array<{ name: string; topicId?: string; partitions: Array<{ partition: number; records: Buffer }> }> },
  ) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pd): ProducePartitionResponse => {
        const hooked = this.onProducePartition?.({ nodeId, topic: t.name, partition: pd.partition, records: pd.records });
        if (hooked) return { partition: pd.partition, baseOffset: -1, ...hooked };
        const p = this.topics.get(t.name)?.[pd.partition];
        if (!p) return { partition: pd.partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION', baseOffset: -1 };
        const topicId = this.topicIds.get(t.name)!;
        if (t.topicId && t.topicId !== topicId) {
          return { partition: pd.partition, errorCode: 'INCONSISTENT_TOPIC_ID', errorMessage: `${t.name} is ${topicId}, not ${t.topicId}`, baseOffset: -1 };
        }
        if (p.leader !== nodeId) {
          return {
            partition: pd.partition,
            errorCode: 'NOT_LEADER_OR_FOLLOWER',
            baseOffset: -1,
            currentLeader: { leaderId: p.leader, leaderEpoch: p.leaderEpoch },
          };
        }
        const sequenced = this.checkSequences ? this.checkSequence(`${topicId}-${pd.partition}`, p, pd.records) : undefined;
        if (sequenced) return { partition: pd.partition, logAppendTimeMs: -1, logStartOffset: p.logStartOffset, ...sequenced };
        const baseOffset = this.appendBatches(p, pd.records);
        return { partition: pd.partition, errorCode: 'NONE', baseOffset, logAppendTimeMs: -1, logStartOffset: p.logStartOffset };
      }),
    }));
    return request.acks === 0 ? { topics: [] } : { topics };
  }

  /**
   * The broker's idempotence check for one batch: an answer for a duplicate or an out-of-order
   * sequence, or undefined to append (the batch is then remembered).
   */
  private checkSequence(
    key: string,
    p: ScriptedPartition,
    records: Buffer,
  ): { errorCode: ErrorCode; baseOffset: number; errorMessage?: string } | undefined {
    const header = readBatchHeader(records);
    if (header.producerId < 0) return undefined;
    const producers = this.sequences.get(key) ?? new Map<number, Array<{ first: number; last: number; baseOffset: number }>>();
    this.sequences.set(key, producers);
    const cached = producers.get(header.producerId) ?? [];
    const first = header.baseSequence;
    const last = first + header.lastOffsetDelta;
    const duplicate = cached.find((b) => b.first === first && b.last === last);
    if (duplicate) return { errorCode: 'NONE', baseOffset: duplicate.baseOffset };
    const expected = cached.length === 0 ? 0 : cached[cached.length - 1]!.last + 1;
    if (first !== expected) {
      return { errorCode: 'OUT_OF_ORDER_SEQUENCE_NUMBER', baseOffset: -1, errorMessage: `expected sequence ${expected}, got ${first}` };
    }
    cached.push({ first, last, baseOffset: p.nextOffset });
    if (cached.length > 5) cached.shift();
    producers.set(header.producerId, cached);
    return undefined;
  }

  private async fetch(nodeId: number, request: FetchRequest__Output) {
    const deadline = Date.now() + request.maxWaitMs;
    for (;;) {
      const answer = this.fetchOnce(nodeId, request);
      const bytes = answer.topics.reduce(
        (sum, t) => sum + t.partitions.reduce((s, p) => s + ((p.records as Buffer | undefined)?.length ?? 0), 0),
        0,
      );
      const anyError = answer.topics.some((t) => t.partitions.some((p) => p.errorCode !== 'NONE'));
      const remaining = deadline - Date.now();
      if (bytes >= Math.max(1, request.minBytes) || anyError || remaining <= 0 || this.nodes.size === 0) return answer;
      await Promise.race([
        new Promise<void>((resolve) => this.appendWaiters.add(resolve)),
        this.sleep(remaining),
      ]);
    }
  }

  private fetchOnce(nodeId: number, request: FetchRequest__Output) {
    return {
      topics: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((fp): FetchPartitionResponse => {
          const hooked = this.onFetchPartition?.({
            nodeId,
            topic: t.topic,
            partition: fp.partition,
            fetchOffset: fp.fetchOffset,
            currentLeaderEpoch: fp.currentLeaderEpoch,
          });
          if (hooked) return { partition: fp.partition, errorCode: 'NONE', ...hooked };
          const p = this.topics.get(t.topic)?.[fp.partition];
          if (!p) return { partition: fp.partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' };
          const currentLeader = { leaderId: p.leader, leaderEpoch: p.leaderEpoch };
          if (p.leader !== nodeId) return { partition: fp.partition, errorCode: 'NOT_LEADER_OR_FOLLOWER', currentLeader };
          if (fp.currentLeaderEpoch >= 0 && fp.currentLeaderEpoch < p.leaderEpoch) {
            return { partition: fp.partition, errorCode: 'FENCED_LEADER_EPOCH', currentLeader };
          }
          if (fp.currentLeaderEpoch > p.leaderEpoch) {
            return { partition: fp.partition, errorCode: 'UNKNOWN_LEADER_EPOCH', currentLeader };
          }
          if (fp.fetchOffset < p.logStartOffset || fp.fetchOffset > p.nextOffset) {
            return { partition: fp.partition, errorCode: 'OFFSET_OUT_OF_RANGE', highWatermark: p.nextOffset };
          }
          const selected: Buffer[] = [];
          let size = 0;
          for (const batch of p.batches) {
            const header = readBatchHeader(batch);
            if (header.lastOffset < fp.fetchOffset) continue;
            if (selected.length > 0 && size + batch.length > fp.partitionMaxBytes) break;
            selected.push(batch);
            size += batch.length;
          }
          return {
            partition: fp.partition,
            errorCode: 'NONE',
            highWatermark: p.nextOffset,
            lastStableOffset: p.nextOffset,
            logStartOffset: p.logStartOffset,
            records: Buffer.concat(selected),
          };
        }),
      })),
    };
  }

  private listOffsets(
    nodeId: number,
    request: { topics: Array<{ name: string; partitions: Array<{ partition: number; timestamp: number }> }> },
  ) {
    return {
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((q) => {
          const p = this.topics.get(t.name)?.[q.partition];
          if (!p) return { partition: q.partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' as ErrorCode, offset: -1 };
          if (p.leader !== nodeId) return { partition: q.partition, errorCode: 'NOT_LEADER_OR_FOLLOWER' as ErrorCode, offset: -1 };
          const offset = q.timestamp === -2 ? p.logStartOffset : q.timestamp === -1 ? p.nextOffset : -1;
          return { partition: q.partition, errorCode: 'NONE' as ErrorCode, offset, timestamp: -1, leaderEpoch: p.leaderEpoch };
        }),
      })),
    };
  }

  private createTopics(request: {
    validateOnly: boolean;
    topics: Array<{ name: string; numPartitions: number; replicationFactor: number; configs: Record<string, string> }>;
  }) {
    const nodeIds = [...this.nodes.keys()];
    return {
      topics: request.topics.map((t) => {
        if (this.topics.has(t.name)) return { name: t.name, errorCode: 'TOPIC_ALREADY_EXISTS' as ErrorCode };
        if (t.replicationFactor > nodeIds.length) {
          return {
            name: t.name,
            errorCode: 'INVALID_REPLICATION_FACTOR' as ErrorCode,
            errorMessage: `replication factor ${t.replicationFactor} is larger than the ${nodeIds.length} brokers`,
          };
        }
        const count = t.numPartitions > 0 ? t.numPartitions : 1;
        if (!request.validateOnly) {
          this.addTopic(
            t.name,
            Array.from({ length: count }, (_, i) => nodeIds[i % nodeIds.length]!),
          );
        }
        return { name: t.name, topicId: this.topicIds.get(t.name) ?? '', errorCode: 'NONE' as ErrorCode, numPartitions: count };
      }),
    };
  }

  /** Preferred elections of the listed partitions (the replica list's first takes over when in the ISR). */
  private electPreferredLeaders(request: { topics: Array<{ topic: string; partitions: number[] }> }) {
    return {
      topics: request.topics.map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.map((partition) => {
          const p = this.topics.get(topic)?.[partition];
          const preferred = p?.replicas[0];
          const errorCode: ErrorCode =
            p === undefined || preferred === undefined
              ? 'UNKNOWN_TOPIC_OR_PARTITION'
              : p.leader === preferred
                ? 'ELECTION_NOT_NEEDED'
                : p.isr.includes(preferred)
                  ? 'NONE'
                  : 'PREFERRED_LEADER_NOT_AVAILABLE';
          if (errorCode === 'NONE') this.moveLeader(topic, partition, preferred!);
          return { partition, errorCode, errorMessage: errorCode === 'NONE' ? '' : `scripted ${errorCode}` };
        }),
      })),
    };
  }

  private deleteTopics(request: { names: string[] }) {
    return {
      topics: request.names.map((name) => {
        if (!this.deleteTopic(name)) return { name, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION' as ErrorCode };
        return { name, errorCode: 'NONE' as ErrorCode };
      }),
    };
  }
}
