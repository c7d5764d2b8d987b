import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { ControllerClient } from '@quill/metadata';
import { createServiceClient } from '@quill/proto';
import { generateDevCertificates, issueCertificate, type DevCertificateFiles } from '@quill/security';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every gRPC port with security protocol SSL and ssl.client.auth=required, and the authorizer on:
// nodes reach each other with their own certificates (User:broker, User:controller, super users);
// the SDK with `ssl` is served; a plaintext client, a certificate of another CA, an expired one,
// and a client principal calling node-only RPCs are refused, and the nodes go on serving.

const TOPIC = 'grpc-tls';
const DEADLINE_MS = 3000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The status of one unary call, `OK` or the error's code and details. */
async function callOutcome(call: (deadline: Date, done: (error: ServiceError | null) => void) => void): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => call(new Date(Date.now() + DEADLINE_MS), (error) => resolve(error === null ? { code: status.OK, details: '' } : { code: error.code, details: error.details })));
}

describe('TLS on every gRPC port (ssl.client.auth=required, authorizer on)', () => {
  let dir: string;
  let ours: DevCertificateFiles;
  let theirs: DevCertificateFiles;
  let cluster: TestCluster;
  const pem = (file: string): string => readFileSync(file, 'utf8');
  const sslOf = (files: DevCertificateFiles, name: string) => ({ ca: pem(ours.caLocation), cert: pem(files.endpoints.get(name)!.certificateLocation), key: pem(files.endpoints.get(name)!.keyLocation) });
  const channel = (ssl: { ca: string; cert: string; key: string }): ChannelCredentials => credentials.createSsl(Buffer.from(ssl.ca), Buffer.from(ssl.key), Buffer.from(ssl.cert));

  /** A broker's Metadata over `creds`. */
  const metadataOutcome = (creds: ChannelCredentials) => {
    const client = createServiceClient('Broker', cluster.bootstrap[0]!, { credentials: creds });
    return callOutcome((deadline, done) => client.Metadata({ topics: [] }, { deadline }, (error: ServiceError | null) => done(error))).finally(() => client.close());
  };

  /** The cluster still replicates and serves the super user: a record produced with acks=all. */
  const stillServes = async (): Promise<void> => {
    const producer = cluster.client({ ssl: sslOf(ours, 'admin') }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'still here' }] });
    } finally {
      await producer.disconnect();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-grpc-tls-'));
    ours = await generateDevCertificates(path.join(dir, 'ours'), { nodeNames: ['broker', 'controller'], clientNames: ['admin', 'alice'] });
    theirs = await generateDevCertificates(path.join(dir, 'theirs'), { nodeNames: [], clientNames: ['admin'] });
    const authorizer = { authorizerEnabled: true, superUsers: ['User:broker', 'User:controller', 'User:admin'] };
    const sslFor = (name: string) => ({ ...ours.endpoints.get(name)!, caLocation: ours.caLocation, clientAuth: 'required' as const });
    cluster = await startCluster({
      brokers: 2,
      controllers: 1,
      brokerConfig: { securityProtocol: 'SSL', ssl: sslFor('broker'), offsetsTopicNumPartitions: 1, ...authorizer },
      controllerConfig: { securityProtocol: 'SSL', ssl: sslFor('controller'), ...authorizer },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the SDK with ssl creates a replicated topic, produces and consumes over TLS', async () => {
    const quill = cluster.client({ ssl: sslOf(ours, 'admin') });
    const admin = quill.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: [0, 1, 2].map((i) => ({ value: `over tls ${i}` })) });
    await producer.disconnect();
    const consumer = quill.consumer({ groupId: 'grpc-tls', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length === 3) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(values).toEqual(['over tls 0', 'over tls 1', 'over tls 2']);
  });

  it('refuses a plaintext client at the TLS port, and goes on serving', async () => {
    const outcome = await metadataOutcome(credentials.createInsecure());
    expect(outcome.code).toBe(status.UNAVAILABLE);
    const admin = cluster.client({ retry: { retries: 0 } }).admin();
    await expect(admin.connect()).rejects.toThrow(/its port may use TLS, which needs the ssl option/);
    await admin.disconnect();
    await stillServes();
  });

  it('refuses a client certificate of another CA, and goes on serving', async () => {
    expect((await metadataOutcome(channel(sslOf(theirs, 'admin')))).code).toBe(status.UNAVAILABLE);
    expect((await metadataOutcome(credentials.createSsl(Buffer.from(pem(ours.caLocation))))).code).toBe(status.UNAVAILABLE);
    await stillServes();
  });

  it('refuses an expired client certificate of the cluster CA, and goes on serving', async () => {
    const ca = { certificatePem: pem(ours.caLocation), keyPem: pem(ours.caKeyLocation) };
    const now = Date.now();
    const expired = issueCertificate(ca, { commonName: 'admin', usage: 'client', validity: { notBefore: new Date(now - 2 * DAY_MS), notAfter: new Date(now - DAY_MS) } });
    expect((await metadataOutcome(channel({ ca: ca.certificatePem, cert: expired.certificatePem, key: expired.keyPem }))).code).toBe(status.UNAVAILABLE);
    await stillServes();
  });

  it('refuses a replica fetch and a broker registration by a client principal with CLUSTER_AUTHORIZATION_FAILED, and goes on serving', async () => {
    const alice = channel(sslOf(ours, 'alice'));
    const replica = createServiceClient('Replica', cluster.bootstrap[0]!, { credentials: alice });
    const fetch = await callOutcome((deadline, done) =>
      replica.ReplicaFetch({ replicaId: 99, brokerEpoch: 1, maxWaitMs: 0, minBytes: 1, maxBytes: 1024, topics: [] }, { deadline }, (error: ServiceError | null) => done(error)),
    ).finally(() => replica.close());
    expect(fetch.code).toBe(status.PERMISSION_DENIED);
    expect(fetch.details).toMatch(/^CLUSTER_AUTHORIZATION_FAILED: User:alice may not call \/quill\.v1\.Replica\/ReplicaFetch/);
    // Registered through the client a broker uses, which gives up at once on such a refusal.
    const controller = new ControllerClient({ controllers: cluster.controllerAddresses, timeoutMs: 10_000, credentials: () => alice });
    const registration = controller.call('RegisterBroker', { clusterId: 'quill-test', brokerId: 99, incarnationId: 'intruder', listeners: [] });
    await expect(registration).rejects.toMatchObject({ code: 'CLUSTER_AUTHORIZATION_FAILED', message: expect.stringMatching(/User:alice may not call \/quill\.v1\.Controller\/RegisterBroker/) });
    // The controller's admin methods too: straight to the controller, a call would skip the broker's ACL checks.
    const creation = controller.call('CreateTopics', { topics: [{ name: 'by-alice', numPartitions: 1, replicationFactor: 1 }] });
    await expect(creation).rejects.toMatchObject({ code: 'CLUSTER_AUTHORIZATION_FAILED', message: expect.stringMatching(/User:alice may not call \/quill\.v1\.Controller\/CreateTopics/) });
    controller.close();
    await stillServes();
  });
});
