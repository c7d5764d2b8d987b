import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { eventually } from '@quill/test-support';
import { generateDevCertificates, type DevCertificateFiles } from '@quill/security';
import { startCluster, type TestCluster } from '@quill/testing';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcatAvailable, killKcats, runKcat } from './support/kcat-process.js';
import { listTopicsError, readValuesWithKafkaJs } from './support/kafkajs-read.js';

// The Kafka listener with security protocol SSL and ssl.client.auth=required: KafkaJS and kcat
// with a client certificate of the cluster's CA are served; a plaintext client, a TLS client
// without a certificate and one with a certificate of another CA are refused, and the broker
// goes on serving the good ones. New certificate files take effect without a restart.

const TOPIC = 'kafka-tls';
const KCAT = kcatAvailable();

describe('TLS on the Kafka listener (ssl.client.auth=required)', () => {
  let dir: string;
  let ours: DevCertificateFiles;
  let theirs: DevCertificateFiles;
  let cluster: TestCluster;
  /** The files the broker is configured with (copies, so a test can replace them). */
  let live: { certificateLocation: string; keyLocation: string };
  const pem = (file: string): string => readFileSync(file, 'utf8');
  const clientSsl = (files: DevCertificateFiles, name: string) => ({
    ca: [pem(ours.caLocation)],
    cert: pem(files.endpoints.get(name)!.certificateLocation),
    key: pem(files.endpoints.get(name)!.keyLocation),
  });
  const kafka = (config: Partial<KafkaConfig>): Kafka =>
    new Kafka({ clientId: 'kafka-tls-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 }, ...config });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-kafka-tls-'));
    ours = await generateDevCertificates(path.join(dir, 'ours'), { nodeNames: ['broker', 'broker-renewed'], clientNames: ['alice'] });
    theirs = await generateDevCertificates(path.join(dir, 'theirs'), { nodeNames: [], clientNames: ['mallory'] });
    live = { certificateLocation: path.join(dir, 'broker.pem'), keyLocation: path.join(dir, 'broker-key.pem') };
    copyFileSync(ours.endpoints.get('broker')!.certificateLocation, live.certificateLocation);
    copyFileSync(ours.endpoints.get('broker')!.keyLocation, live.keyLocation);
    cluster = await startCluster({
      brokers: 1,
      controllers: 1,
      // With the authorizer on, only the client certificate's principal (User:alice, a super user) lets alice in.
      brokerConfig: { kafkaSecurityProtocol: 'SSL', kafkaSsl: { ...live, caLocation: ours.caLocation, clientAuth: 'required' }, sslReloadDebounceMs: 50, authorizerEnabled: true, superUsers: ['User:alice'] },
    });
  });
  afterAll(async () => {
    killKcats();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('KafkaJS produces and consumes over TLS with the CA and a client certificate, authorized as its CN', async () => {
    const client = kafka({ ssl: clientSsl(ours, 'alice') });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `over tls ${i}` })) });
    await producer.disconnect();
    const values = await readValuesWithKafkaJs(client, TOPIC, 'kafka-tls-group', 3);
    expect(values).toEqual(['over tls 0', 'over tls 1', 'over tls 2']);
  });

  it('refuses a plaintext client, a TLS client without a certificate and one with a certificate of another CA, and goes on serving', async () => {
    // A plaintext request is not a TLS handshake: the broker closes the connection, as Kafka's does.
    expect((await listTopicsError(kafka({})))?.message).toBe('Closed connection');
    const anonymous = await listTopicsError(kafka({ ssl: { ca: clientSsl(ours, 'alice').ca } }));
    expect(anonymous?.message).toMatch(/^Connection error: .*alert certificate required/);
    // Under TLS 1.3 the client may see the close before the server's unknown-CA alert.
    const stranger = await listTopicsError(kafka({ ssl: clientSsl(theirs, 'mallory') }));
    expect(stranger?.message).toMatch(/^(Closed connection|Connection error: .*alert unknown ca)/);
    expect(await listTopicsError(kafka({ ssl: clientSsl(ours, 'alice') }))).toBeUndefined();
  });

  it.skipIf(!KCAT)(KCAT ? 'kcat lists metadata with security.protocol=ssl' : 'kcat SKIPPED: no kcat on PATH', async () => {
    const alice = ours.endpoints.get('alice')!;
    const { stdout } = await runKcat([
      '-b', cluster.kafkaBootstrap.join(','), '-L', '-J',
      '-X', 'security.protocol=ssl',
      '-X', `ssl.ca.location=${ours.caLocation}`,
      '-X', `ssl.certificate.location=${alice.certificateLocation}`,
      '-X', `ssl.key.location=${alice.keyLocation}`,
    ]);
    const listing = JSON.parse(stdout) as { brokers: Array<{ id: number; name: string }> };
    expect(listing.brokers).toEqual([{ id: cluster.brokerIds[0], name: cluster.kafkaBootstrap[0] }]);
  });

  it('serves renewed certificate files to new connections once they change, open connections going on', async () => {
    const [host, port] = cluster.kafkaBootstrap[0]!.split(':');
    const presented = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host, port: Number(port), ...clientSsl(ours, 'alice') }, () => {
          resolve(socket.getPeerCertificate().serialNumber);
          socket.end();
        });
        socket.on('error', reject);
      });
    const serialOf = (file: string): string => new X509Certificate(readFileSync(file)).serialNumber;
    const producer = kafka({ ssl: clientSsl(ours, 'alice') }).producer();
    await producer.connect();
    expect(await presented()).toBe(serialOf(live.certificateLocation));
    const renewed = ours.endpoints.get('broker-renewed')!;
    copyFileSync(renewed.keyLocation, live.keyLocation);
    copyFileSync(renewed.certificateLocation, live.certificateLocation);
    await eventually(async () => (await presented()) === serialOf(renewed.certificateLocation), { description: 'the renewed certificate served' });
    await producer.send({ topic: TOPIC, messages: [{ value: 'after the renewal' }] });
    await producer.disconnect();
  });
});
