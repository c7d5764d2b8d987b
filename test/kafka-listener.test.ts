import net from 'node:net';
import { API_VERSIONS_TABLE, ApiKeys, decodeResponse, encodeRequest, type ApiVersionsResponse, type ProduceResponse } from '@quill/kafka-protocol';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaCall } from './support/kafka-call.js';

/** A raw Kafka connection: writes bytes, collects whole response frames (without their length prefix). */
class RawKafkaSocket {
  readonly frames: Buffer[] = [];
  closed = false;
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        this.frames.push(this.pending.subarray(4, 4 + this.pending.readInt32BE(0)));
        this.pending = this.pending.subarray(4 + this.pending.readInt32BE(0));
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async connect(address: string): Promise<RawKafkaSocket> {
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawKafkaSocket(socket);
  }

  /** Writes `bytes` and waits for the `count`-th frame or the close. */
  async send(bytes: Buffer, count = this.frames.length + 1): Promise<Buffer | undefined> {
    this.socket.write(bytes);
    await eventually(() => this.frames.length >= count || this.closed, { description: 'an answer or a close' });
    return this.frames[count - 1];
  }
}

/** connections.max.idle.ms of the test's brokers. */
const IDLE_MS = 2000;
const API_VERSIONS_MAX = API_VERSIONS_TABLE.find((row) => row.apiKey === ApiKeys.ApiVersions)!.maxVersion;

/** A request header v1 (int16 key, int16 version, int32 correlation id, int16 client id) and `body`, length-prefixed. */
function rawRequest(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(14);
  header.writeInt32BE(10 + body.length, 0);
  header.writeInt16BE(apiKey, 4);
  header.writeInt16BE(apiVersion, 6);
  header.writeInt32BE(correlationId, 8);
  header.writeInt16BE(-1, 12);
  return Buffer.concat([header, body]);
}

function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
}

describe('the Kafka listener of every broker', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ controllers: 1, brokerConfig: { kafkaConnectionsMaxIdleMs: IDLE_MS } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers ApiVersions v0 and v3 on every broker, with the ranges of the APIs it serves', async () => {
    expect(cluster.kafkaBootstrap).toHaveLength(3);
    for (const address of cluster.kafkaBootstrap) {
      const client = await RawKafkaSocket.connect(address);
      const v0 = decodeResponse(ApiKeys.ApiVersions, 0, (await client.send(encodeRequest(ApiKeys.ApiVersions, 0, 1, 'raw', {})))!);
      const v3 = decodeResponse(
        ApiKeys.ApiVersions,
        3,
        (await client.send(encodeRequest(ApiKeys.ApiVersions, 3, 2, 'raw', { clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' })))!,
      );
      expect(v0.correlationId).toBe(1);
      expect(v3.correlationId).toBe(2);
      for (const { body } of [v0, v3]) {
        const response = body as ApiVersionsResponse;
        expect(response.errorCode).toBe(0);
        expect(response.apiKeys).toContainEqual({ apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: API_VERSIONS_MAX });
        for (const api of response.apiKeys) expect(API_VERSIONS_TABLE.some((row) => row.apiKey === api.apiKey && row.minVersion <= api.minVersion && api.maxVersion <= row.maxVersion)).toBe(true);
      }
      expect((v3.body as ApiVersionsResponse).throttleTimeMs).toBe(0);
      expect(client.closed).toBe(false);
      client.socket.destroy();
    }
  });

  it('answers ApiVersions above its maximum with a v0 body: UNSUPPORTED_VERSION and the ranges (KIP-511)', async () => {
    const client = await RawKafkaSocket.connect(cluster.kafkaBootstrap[0]!);
    // A future version's body: the broker must not need to parse it.
    const answer = await client.send(rawRequest(ApiKeys.ApiVersions, API_VERSIONS_MAX + 1, 7, Buffer.from([0, 3, 0x61, 0x62, 0x63, 0])));
    const { correlationId, body } = decodeResponse(ApiKeys.ApiVersions, 0, answer!);
    expect(correlationId).toBe(7);
    expect((body as ApiVersionsResponse).errorCode).toBe(35);
    expect((body as ApiVersionsResponse).apiKeys).toContainEqual({ apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: API_VERSIONS_MAX });
    // The connection stays usable: the client retries at a version we know.
    expect(decodeResponse(ApiKeys.ApiVersions, 0, (await client.send(encodeRequest(ApiKeys.ApiVersions, 0, 8, null, {})))!).correlationId).toBe(8);
    client.socket.destroy();
  });

  it('answers a Produce with acks other than -1, 0 or 1 INVALID_REQUIRED_ACKS for every partition, as Kafka', async () => {
    const records = Buffer.from('not appended: acks is checked first');
    const answer = await kafkaCall<ProduceResponse>(cluster.kafkaBootstrap[0]!, ApiKeys.Produce, 7, {
      transactionalId: null,
      acks: 2,
      timeoutMs: 5000,
      topicData: [{ name: 'any-topic', partitionData: [{ index: 0, records }, { index: 1, records }] }],
    });
    expect(answer.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([21, 21]);
  });

  const ok = (correlationId: number) => encodeRequest(ApiKeys.ApiVersions, 0, correlationId, 'raw', {});
  const lengthPrefix = (length: number) => {
    const out = Buffer.alloc(4);
    out.writeInt32BE(length);
    return out;
  };
  it.each([
    ['a frame over socket.request.max.bytes', lengthPrefix(104_857_601)],
    ['a negative length', lengthPrefix(-1)],
    ['a truncated header', Buffer.concat([lengthPrefix(3), Buffer.from([0, 18, 0])])],
    ['a truncated body', (() => {
      const full = encodeRequest(ApiKeys.ApiVersions, 3, 9, 'raw', { clientSoftwareName: 'abcdefgh', clientSoftwareVersion: '1' });
      const cut = full.subarray(0, full.length - 6);
      cut.writeInt32BE(cut.length - 4, 0);
      return cut;
    })()],
    ['an unknown API key', rawRequest(9999, 0, 9, Buffer.alloc(0))],
  ])('closes the connection on %s, after answering the request before it', async (_name, bad) => {
    const client = await RawKafkaSocket.connect(cluster.kafkaBootstrap[1]!);
    client.socket.write(Buffer.concat([ok(1), bad, ok(2)]));
    await eventually(() => client.closed, { description: 'the connection closed' });
    expect(client.frames.map((frame) => frame.readInt32BE(0))).toEqual([1]);
  });

  it('closes a client that sends half a frame and stalls, after connections.max.idle.ms', async () => {
    const client = await RawKafkaSocket.connect(cluster.kafkaBootstrap[2]!);
    const started = Date.now();
    client.socket.write(ok(1).subarray(0, 9));
    await eventually(() => client.closed, { timeoutMs: 10_000, description: 'the stalled connection closed' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 50);
  });

  it('closes a thousand idle connections after connections.max.idle.ms and lets go of every one', async () => {
    const before = tcpSockets();
    const rssBefore = process.memoryUsage().rss;
    const clients: RawKafkaSocket[] = [];
    for (let batch = 0; batch < 10; batch++) clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawKafkaSocket.connect(cluster.kafkaBootstrap[0]!)))));
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    // The broker still answers beside them.
    const probe = await RawKafkaSocket.connect(cluster.kafkaBootstrap[0]!);
    expect(decodeResponse(ApiKeys.ApiVersions, 0, (await probe.send(ok(5)))!).correlationId).toBe(5);
    probe.socket.destroy();
    // The broker closes every one of them; both ends live in this process, so none may be left.
    await eventually(() => clients.every((c) => c.closed), { timeoutMs: 20_000, description: 'every idle connection closed by the broker' });
    await eventually(() => tcpSockets() <= before, { description: 'every connection released on both ends' });
  });
});

describe('the Kafka listener of a process cluster', () => {
  it('is open on every broker process and listed in kafkaBootstrap', async () => {
    const cluster = await startCluster({ processes: true, brokers: 2, controllers: 1 });
    try {
      expect(cluster.kafkaBootstrap).toHaveLength(2);
      for (const address of cluster.kafkaBootstrap) {
        const client = await RawKafkaSocket.connect(address);
        const answer = decodeResponse(ApiKeys.ApiVersions, 0, (await client.send(encodeRequest(ApiKeys.ApiVersions, 0, 3, 'raw', {})))!);
        expect(answer).toMatchObject({ correlationId: 3, body: { errorCode: 0 } });
        client.socket.destroy();
      }
    } finally {
      await cluster.stop();
    }
  });
});
