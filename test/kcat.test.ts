import fs from 'node:fs';
import path from 'node:path';
import type { Admin, Quill } from '@quill/client';
import { decodeBatches, partitionForKey, type CompressionType, type DecodedBatch } from '@quill/records';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicWithFullIsr, describePartition, readTopic } from './support/cluster-helpers.js';
import { kcatAvailable, killKcats, runKcat } from './support/kcat-process.js';

// kcat 1.7.1 (librdkafka 2.0.2), a client no one here wrote, run as a real process against every
// broker's Kafka listener: metadata listing, producing with every codec and idempotence, consuming
// from the beginning and from a timestamp, and a balanced consumer group whose commits our SDK sees.

const KCAT = kcatAvailable();
const TOPIC = 'kcat-topic';
const PARTITIONS = 3;
/** Records per kcat producer run; keys spread them over the partitions. */
const PER_RUN = 30;
const CODECS: readonly CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
/** kcat's -f format: fields a value never contains are the separators. */
const FORMAT = '%p|%o|%k|%s|%T|%h\n';

/** One record as kcat wrote it, or as kcat or our SDK read it back. */
interface RecordSeen {
  partition: number;
  offset: number;
  key: string;
  value: string;
  timestamp: number;
  headers: string;
}

/** The lines kcat printed with FORMAT. */
function parseFormatted(stdout: string): RecordSeen[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [partition, offset, key, value, timestamp, headers] = line.split('|');
      return { partition: Number(partition), offset: Number(offset), key: key!, value: value!, timestamp: Number(timestamp), headers: headers! };
    });
}

const byPosition = (a: RecordSeen, b: RecordSeen) => a.partition - b.partition || a.offset - b.offset;

/** Every record of the topic read with our SDK until `count` arrived, headers as kcat prints them. */
async function readWithSdk(quill: Quill, count: number): Promise<RecordSeen[]> {
  const read = (await readTopic(quill, TOPIC, PARTITIONS, count)).map((m) => {
    const headers = Object.entries(m.headers)
      .map(([name, value]) => `${name}=${Buffer.isBuffer(value) ? value.toString() : String(value)}`)
      .join(',');
    return { partition: m.partition, offset: m.offset, key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', timestamp: m.timestamp, headers };
  });
  return read.sort(byPosition);
}

describe.skipIf(!KCAT)(KCAT ? 'kcat (librdkafka 2.0.2) against the Kafka listener' : 'kcat tests SKIPPED: no kcat on PATH (.ci/run apt-installs it)', () => {
  let cluster: TestCluster;
  let quill: Quill;
  let admin: Admin;
  let bootstrap: string;
  /** key -> value of every record kcat produced. */
  const produced = new Map<string, string>();

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, controllers: 1 });
    quill = cluster.client();
    admin = quill.admin();
    await admin.connect();
    await createTopicWithFullIsr(admin, TOPIC, PARTITIONS, 3);
    bootstrap = cluster.kafkaBootstrap.join(',');
  });

  afterAll(async () => {
    killKcats();
    await admin?.disconnect();
    await cluster?.stop();
  });

  /** Produces PER_RUN keyed, compressible records with headers through `kcat -P` and the given -X settings. */
  const produce = async (label: string, settings: readonly string[]): Promise<void> => {
    const lines: string[] = [];
    for (let i = 0; i < PER_RUN; i++) {
      const key = `${label}-key-${i}`;
      const value = `${label} value ${i} ${'x'.repeat(200)}`;
      produced.set(key, value);
      lines.push(`${key}:${value}`);
    }
    await runKcat(['-b', bootstrap, '-P', '-t', TOPIC, '-K:', '-H', `codec=${label}`, '-H', 'h2=two', ...settings.flatMap((s) => ['-X', s])], { input: `${lines.join('\n')}\n` });
  };

  /** Every batch stored in the leader's log of each partition, read from its segment files. */
  const storedBatches = async (): Promise<DecodedBatch[]> => {
    const batches: DecodedBatch[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const dir = path.join(cluster.dataDir(await cluster.leaderOf(TOPIC, p)), `${TOPIC}-${p}`);
      const segments = fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
      for (const segment of segments) batches.push(...decodeBatches(fs.readFileSync(path.join(dir, segment))));
    }
    return batches;
  };

  it('-L -J lists the brokers at their Kafka addresses, a live controller, and every partition with its leader, replicas and ISR', async () => {
    const { stdout } = await runKcat(['-b', bootstrap, '-L', '-J', '-t', TOPIC]);
    const listing = JSON.parse(stdout) as {
      controllerid: number;
      brokers: Array<{ id: number; name: string }>;
      topics: Array<{ topic: string; err?: string; partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }> }>;
    };
    expect([...listing.brokers].sort((a, b) => a.id - b.id)).toEqual(cluster.brokerIds.map((id, i) => ({ id, name: cluster.kafkaBootstrap[i] })));
    expect(cluster.brokerIds).toContain(listing.controllerid);
    expect(listing.topics.map((t) => t.topic)).toEqual([TOPIC]);
    const partitions = [...listing.topics[0]!.partitions].sort((a, b) => a.partition - b.partition);
    const expected = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => describePartition(admin, TOPIC, p)));
    expect(partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas.map((r) => r.id), isr: p.isrs.map((r) => r.id).sort() }))).toEqual(
      expected.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: [...p.isr].sort() })),
    );
  });

  it('-P stores batches compressed with the codec asked for (gzip, snappy, lz4, zstd), idempotent batches with a producer id and sequences', async () => {
    for (const codec of CODECS) await produce(codec, [`compression.codec=${codec}`]);
    // murmur2_random is Java's default partitioner, as our SDK's: the keys must land where ours would put them.
    await produce('idempotent', ['enable.idempotence=true', 'compression.codec=lz4', 'partitioner=murmur2_random']);

    const batches = await storedBatches();
    const codecsByLabel = new Map<string, Set<CompressionType>>();
    for (const batch of batches) {
      const label = batch.records[0]!.headers.find((h) => h.key === 'codec')!.value!.toString();
      expect(batch.records.every((r) => r.headers.find((h) => h.key === 'codec')?.value?.toString() === label)).toBe(true);
      codecsByLabel.set(label, (codecsByLabel.get(label) ?? new Set()).add(batch.header.compression));
      if (label === 'idempotent') {
        expect(batch.header.producerId).toBeGreaterThanOrEqual(0);
        expect(batch.header.baseSequence).toBeGreaterThanOrEqual(0);
      }
    }
    expect(Object.fromEntries([...codecsByLabel].map(([label, codecs]) => [label, [...codecs]]))).toEqual({
      gzip: ['gzip'],
      snappy: ['snappy'],
      lz4: ['lz4'],
      zstd: ['zstd'],
      idempotent: ['lz4'],
    });
  });

  it('what kcat produced reads back through the gRPC SDK with the same keys, values and headers; murmur2-partitioned keys where our partitioner puts them', async () => {
    const read = await readWithSdk(quill, produced.size);
    expect(new Map(read.map((r) => [r.key, r.value]))).toEqual(produced);
    expect(read.length).toBe(produced.size);
    for (const r of read) expect(r.headers).toBe(`codec=${r.key.split('-key-')[0]!},h2=two`);
    const murmur2Keyed = read.filter((r) => r.key.startsWith('idempotent-'));
    expect(murmur2Keyed.length).toBe(PER_RUN);
    for (const r of murmur2Keyed) expect(r.partition, r.key).toBe(partitionForKey(r.key, PARTITIONS));
  });

  it('-C -o beginning -e prints every record (partition, offset, key, value, timestamp, headers) as the SDK reads it', async () => {
    const { stdout } = await runKcat(['-b', bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e', '-q', '-f', FORMAT]);
    expect(parseFormatted(stdout).sort(byPosition)).toEqual(await readWithSdk(quill, produced.size));
  });

  it('-C -o s@<timestamp> -e starts each partition at the first record at or after the timestamp', async () => {
    const before = await readWithSdk(quill, produced.size);
    await eventually(() => Date.now() > Math.max(...before.map((r) => r.timestamp)), { timeoutMs: 1_000, intervalMs: 1, description: 'the clock past the last record' });
    await produce('later', []);
    const all = await readWithSdk(quill, produced.size);
    const since = Math.min(...all.filter((r) => r.key.startsWith('later-')).map((r) => r.timestamp));
    expect(since).toBeGreaterThan(Math.max(...before.map((r) => r.timestamp)));

    const { stdout } = await runKcat(['-b', bootstrap, '-C', '-t', TOPIC, '-o', `s@${since}`, '-e', '-q', '-f', FORMAT]);
    const fromTimestamp = parseFormatted(stdout).sort(byPosition);
    expect(fromTimestamp).toEqual(all.filter((r) => r.timestamp >= since));
    expect(fromTimestamp.map((r) => r.key.split('-key-')[0])).toEqual(fromTimestamp.map(() => 'later'));
  });

  it('-G consumes every record in a balanced group and commits offsets our SDK admin reads back', async () => {
    const group = 'kcat-group';
    const { stdout } = await runKcat(['-b', bootstrap, '-G', group, TOPIC, '-e', '-q', '-f', FORMAT, '-X', 'auto.offset.reset=earliest']);
    const consumed = parseFormatted(stdout).sort(byPosition);
    expect(consumed).toEqual(await readWithSdk(quill, produced.size));

    const ends = await admin.fetchTopicOffsets(TOPIC);
    const committed = await admin.fetchOffsets({ groupId: group });
    expect(committed.map((t) => t.topic)).toEqual([TOPIC]);
    expect(committed[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition)).toEqual(
      ends.map((e) => ({ partition: e.partition, offset: e.high })).sort((a, b) => a.partition - b.partition),
    );
  });
});
