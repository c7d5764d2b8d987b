import * as grpc from '@grpc/grpc-js';
import { ErrorCode, QuillError, loadQuillPackage } from '@quill/proto';
import { encodeBatch } from '@quill/records';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ScriptedCluster, deadAddress } from '../test-support/scripted-cluster.js';
import { BrokerConnection, type BrokerStreamedMethod, type BrokerUnaryMethod } from './connection.js';
import { ConnectionPool } from './pool.js';

const logger = pino({ level: 'silent' });

describe('BrokerConnection against a scripted broker', () => {
  let cluster: ScriptedCluster | undefined;
  const connections: BrokerConnection[] = [];
  const open = (address: string, requestTimeoutMs = 5_000): BrokerConnection => {
    const connection = new BrokerConnection({ address, clientId: 'conn-test', logger, requestTimeoutMs });
    connections.push(connection);
    return connection;
  };

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    await cluster?.stop();
    cluster = undefined;
  });

  it('calls the broker with the client id in the gRPC metadata', async () => {
    cluster = await ScriptedCluster.start([1]);
    const response = await open(cluster.address(1)).request('Metadata', { topics: [] });
    expect(response.brokers.map((b) => b.brokerId)).toEqual([1]);
    expect(cluster.calls[0]).toMatchObject({ method: 'Metadata', clientId: 'conn-test' });
  });

  it('maps a dead address to a retriable NETWORK_EXCEPTION', async () => {
    const error = await open(await deadAddress())
      .request('Metadata', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuillError);
    expect(error).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: true });
  });

  it('maps a missed deadline to a retriable REQUEST_TIMED_OUT', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.intercept = () => 2_000;
    const error = await open(cluster.address(1))
      .request('Metadata', {}, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT, retriable: true });
  });

  it('maps UNAVAILABLE from the server to NETWORK_EXCEPTION, and UNIMPLEMENTED to a non-retriable error', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.intercept = (_node, method) =>
      method === 'Metadata' ? { code: grpc.status.UNAVAILABLE, details: 'draining' } : undefined;
    const connection = open(cluster.address(1));
    await expect(connection.request('Metadata', {})).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: true });
    await expect(connection.request('DescribeQuorum', {})).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_VERSION,
      retriable: false,
    });
  });

  it('turns a request-level error field into a QuillError', async () => {
    const server = new grpc.Server();
    server.addService(loadQuillPackage().quill.v1.Broker.service, {
      Metadata: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { error: { code: 'NOT_CONTROLLER', message: 'moving' } }),
    } as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    try {
      const connection = open(`127.0.0.1:${port}`);
      await expect(connection.request('Metadata', {})).rejects.toMatchObject({
        code: ErrorCode.NOT_CONTROLLER,
        retriable: true,
        message: 'moving',
      });
      // unary() hands the raw response over.
      expect((await connection.unary('Metadata', {})).error?.code).toBe('NOT_CONTROLLER');
    } finally {
      server.forceShutdown();
    }
  });

  it('close() cancels calls in flight with NETWORK_EXCEPTION and refuses new ones', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.intercept = () => 5_000;
    const connection = open(cluster.address(1));
    const pending = connection.request('Metadata', {}).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    connection.close();
    expect(await pending).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    await expect(connection.request('Metadata', {})).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
  });

  it('an aborted signal cancels the call', async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.intercept = () => 5_000;
    const abort = new AbortController();
    const pending = open(cluster.address(1))
      .request('Metadata', {}, { signal: abort.signal })
      .catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 50);
    expect(await pending).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
  });
});

describe('BrokerConnection.streamRequest (ProduceStream, FetchStream)', () => {
  let cluster: ScriptedCluster;
  const connections: BrokerConnection[] = [];
  const open = (): BrokerConnection => {
    const connection = new BrokerConnection({ address: cluster.address(1), clientId: 'stream-test', logger, requestTimeoutMs: 5_000 });
    connections.push(connection);
    return connection;
  };
  const produce = (connection: BrokerConnection, value: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
    connection.streamRequest(
      'Produce',
      { acks: 1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partition: 0, records: encodeBatch([{ value: Buffer.from(value) }], { compression: 'none' }) }] }] },
      options,
    );
  const baseOffsetOf = (response: Awaited<ReturnType<typeof produce>>) => Number(response.topics[0]!.partitions[0]!.baseOffset);

  beforeEach(async () => {
    cluster = await ScriptedCluster.start([1]);
    cluster.addTopic('t', [1]);
  });

  afterEach(async () => {
    for (const c of connections.splice(0)) c.close();
    await cluster.stop();
  });

  it('streams the unary RPCs that have a stream twin in the Broker service, read off the generated types', () => {
    expectTypeOf<BrokerStreamedMethod>().toEqualTypeOf<'Produce' | 'Fetch'>();
    expectTypeOf<'ProduceStream'>().not.toMatchTypeOf<BrokerUnaryMethod>();
    expectTypeOf<'Metadata'>().toMatchTypeOf<BrokerUnaryMethod>();
  });

  it('pipelines requests on one stream, answers matched in order, with the client id', async () => {
    // The first requests are held longest, so they are appended last; each answer still comes
    // back matched to its own request (by arrival the offsets would read 0 to 4). All five are
    // released at one moment on timers of different lengths, which fire in due order however
    // busy the machine is.
    let arrived = 0;
    let releaseAll!: () => void;
    const allArrived = new Promise<void>((resolve) => (releaseAll = resolve));
    cluster.intercept = (_node, method) => {
      if (method !== 'Produce') return undefined;
      const position = arrived++;
      if (arrived === 5) releaseAll();
      return allArrived.then(() => new Promise<void>((resolve) => setTimeout(resolve, (4 - position) * 10)));
    };
    const connection = open();
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((v) => produce(connection, v)));
    expect(answers.map(baseOffsetOf)).toEqual([4, 3, 2, 1, 0]);
    expect(cluster.streamsOpened).toBe(1);
    expect(cluster.callsTo('Produce').map((c) => c.clientId)).toEqual(Array(5).fill('stream-test'));
    const fetched = await connection.streamRequest('Fetch', {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: 't', topicId: '', partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    expect(Number(fetched.topics[0]!.partitions[0]!.highWatermark)).toBe(5);
    expect(cluster.streamsOpened).toBe(2);
  });

  it('a request that times out fails everything outstanding (retriable) and the next request opens a new stream', async () => {
    cluster.intercept = (_node, method, request) =>
      method === 'Produce' && (request as { topics: Array<{ partitions: Array<{ records: Buffer }> }> }).topics[0]!.partitions[0]!.records.includes('slow')
        ? 2_000
        : undefined;
    const connection = open();
    const slow = produce(connection, 'slow', { timeoutMs: 200 }).catch((e: unknown) => e);
    const behind = produce(connection, 'behind').catch((e: unknown) => e);
    expect(await slow).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT, retriable: true });
    expect(await behind).toMatchObject({ code: ErrorCode.REQUEST_TIMED_OUT, retriable: true });
    expect(baseOffsetOf(await produce(connection, 'next'))).toBe(1);
    expect(cluster.streamsOpened).toBe(2);
  });

  it('a transport failure fails the outstanding requests with NETWORK_EXCEPTION; a request-level error does not break the stream', async () => {
    let fail = true;
    cluster.intercept = (_node, method) => {
      if (method !== 'Produce' || !fail) return undefined;
      fail = false;
      return { code: grpc.status.UNAVAILABLE, details: 'draining' };
    };
    const connection = open();
    await expect(produce(connection, 'x')).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: true });
    await expect(
      connection.streamRequest('Produce', { acks: 7, timeoutMs: 1000, topics: [] }),
    ).resolves.toMatchObject({ topics: [] });
    expect(baseOffsetOf(await produce(connection, 'y'))).toBe(0);
    expect(cluster.streamsOpened).toBe(2);
  });

  it('an aborted signal and close() fail outstanding requests with NETWORK_EXCEPTION', async () => {
    cluster.intercept = () => 5_000;
    const connection = open();
    const abort = new AbortController();
    const aborted = produce(connection, 'a', { signal: abort.signal }).catch((e: unknown) => e);
    setTimeout(() => abort.abort(), 50);
    expect(await aborted).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    const pending = produce(connection, 'b').catch((e: unknown) => e);
    setTimeout(() => connection.close(), 50);
    expect(await pending).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
    await expect(produce(connection, 'c')).rejects.toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION });
  });
});

describe('ConnectionPool', () => {
  it('keeps one connection per address and closes them all', () => {
    const pool = new ConnectionPool({ clientId: 'pool-test', logger, requestTimeoutMs: 1_000 });
    const a = pool.get('127.0.0.1:1');
    expect(pool.get('127.0.0.1:1')).toBe(a);
    const b = pool.get('127.0.0.1:2');
    expect(b).not.toBe(a);
    expect(pool.addresses()).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    pool.closeAll();
    expect(a.isOpen).toBe(false);
    expect(b.isOpen).toBe(false);
    expect(pool.addresses()).toEqual([]);
    // A closed connection is replaced on the next get.
    const c = pool.get('127.0.0.1:1');
    expect(c).not.toBe(a);
    pool.closeAll();
  });
});
