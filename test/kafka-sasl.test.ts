import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCode } from '@quill/proto';
import { generateDevCertificates, type DevCertificateFiles } from '@quill/security';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcatAvailable, killKcats, runKcat } from './support/kcat-process.js';
import { listTopicsError, readValuesWithKafkaJs } from './support/kafkajs-read.js';

// SASL on the Kafka listener against SCRAM credentials created through the admin API: KafkaJS
// with SCRAM-SHA-512 over SASL_SSL and PLAIN over SASL_PLAINTEXT produces and consumes; a wrong
// password or no SASL at all is refused while other clients go on; kcat authenticates with
// SCRAM-SHA-512 over SASL_SSL.

const PASSWORD = 'alice-pw-for-this-test';
const KCAT = kcatAvailable();

async function createUser(cluster: TestCluster, user: string, password: string): Promise<void> {
  const admin = cluster.client({}).admin();
  await admin.connect();
  try {
    const results = await admin.alterUserScramCredentials([
      { type: 'upsert', user, mechanism: 'SCRAM-SHA-512', password },
      { type: 'upsert', user, mechanism: 'SCRAM-SHA-256', password },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE]);
  } finally {
    await admin.disconnect();
  }
}

async function produceAndConsume(client: Kafka, topic: string): Promise<string[]> {
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, messages: [0, 1, 2].map((i) => ({ value: `${topic} ${i}` })) });
  await producer.disconnect();
  return readValuesWithKafkaJs(client, topic, `${topic}-group`, 3);
}

describe('SASL on the Kafka listener', () => {
  let dir: string;
  let certificates: DevCertificateFiles;
  let saslSsl: TestCluster;
  let saslPlaintext: TestCluster;
  const kafka = (cluster: TestCluster, config: Partial<KafkaConfig>): Kafka =>
    new Kafka({ clientId: 'kafka-sasl-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 }, ...config });
  const overTls = (sasl?: SASLOptions): Partial<KafkaConfig> => ({ ssl: { ca: [readFileSync(certificates.caLocation, 'utf8')] }, ...(sasl === undefined ? {} : { sasl }) });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-kafka-sasl-'));
    certificates = await generateDevCertificates(dir, { nodeNames: ['broker'], clientNames: [] });
    const broker = certificates.endpoints.get('broker')!;
    [saslSsl, saslPlaintext] = await Promise.all([
      startCluster({
        brokers: 1,
        controllers: 1,
        brokerConfig: { kafkaSecurityProtocol: 'SASL_SSL', kafkaSsl: { certificateLocation: broker.certificateLocation, keyLocation: broker.keyLocation, clientAuth: 'none' } },
      }),
      startCluster({ brokers: 1, controllers: 1, brokerConfig: { kafkaSecurityProtocol: 'SASL_PLAINTEXT', kafkaSaslEnabledMechanisms: ['PLAIN'] } }),
    ]);
    await Promise.all([createUser(saslSsl, 'alice', PASSWORD), createUser(saslPlaintext, 'alice', PASSWORD)]);
    // The broker learns the credentials from the metadata log.
    await eventually(async () => (await listTopicsError(kafka(saslSsl, overTls({ mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD })))) === undefined, {
      description: 'alice authenticates over SASL_SSL',
    });
    await eventually(async () => (await listTopicsError(kafka(saslPlaintext, { sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD } }))) === undefined, {
      description: 'alice authenticates over SASL_PLAINTEXT',
    });
  });
  afterAll(async () => {
    killKcats();
    await Promise.all([saslSsl?.stop(), saslPlaintext?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('KafkaJS produces and consumes with SCRAM-SHA-512 over SASL_SSL and PLAIN over SASL_PLAINTEXT', async () => {
    expect(await produceAndConsume(kafka(saslSsl, overTls({ mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD })), 'sasl-ssl')).toEqual(['sasl-ssl 0', 'sasl-ssl 1', 'sasl-ssl 2']);
    expect(await produceAndConsume(kafka(saslPlaintext, { sasl: { mechanism: 'plain', username: 'alice', password: PASSWORD } }), 'sasl-plain')).toEqual([
      'sasl-plain 0',
      'sasl-plain 1',
      'sasl-plain 2',
    ]);
  });

  it('refuses a wrong password, an unknown user, a mechanism not enabled and a client without SASL; a connected client goes on', async () => {
    const good = kafka(saslSsl, overTls({ mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD })).producer();
    await good.connect();
    const wrong = await listTopicsError(kafka(saslSsl, overTls({ mechanism: 'scram-sha-512', username: 'alice', password: 'guess' })));
    expect(wrong?.name).toBe('KafkaJSSASLAuthenticationError');
    const unknown = await listTopicsError(kafka(saslSsl, overTls({ mechanism: 'scram-sha-512', username: 'mallory', password: 'guess' })));
    expect(unknown?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(unknown?.message.replace('mallory', 'alice')).toBe(wrong?.message);
    const notEnabled = await listTopicsError(kafka(saslPlaintext, { sasl: { mechanism: 'scram-sha-512', username: 'alice', password: PASSWORD } }));
    expect(notEnabled?.message).toMatch(/SASL SCRAM-SHA-512 mechanism is not supported|does not support the requested SASL mechanism/);
    // Metadata before authentication: the broker closes the connection, as Kafka's does.
    expect((await listTopicsError(kafka(saslSsl, overTls())))?.message).toBe('Closed connection');
    await good.send({ topic: 'sasl-ssl', messages: [{ value: 'still served' }] });
    await good.disconnect();
  });

  it.skipIf(!KCAT)(KCAT ? 'kcat lists metadata with SASL_SSL and SCRAM-SHA-512' : 'kcat SKIPPED: no kcat on PATH', async () => {
    const { stdout } = await runKcat([
      '-b', saslSsl.kafkaBootstrap.join(','), '-L', '-J',
      '-X', 'security.protocol=SASL_SSL',
      '-X', 'sasl.mechanisms=SCRAM-SHA-512',
      '-X', 'sasl.username=alice',
      '-X', `sasl.password=${PASSWORD}`,
      '-X', `ssl.ca.location=${certificates.caLocation}`,
    ]);
    const listing = JSON.parse(stdout) as { brokers: Array<{ id: number; name: string }> };
    expect(listing.brokers).toEqual([{ id: saslSsl.brokerIds[0], name: saslSsl.kafkaBootstrap[0] }]);
  });
});
