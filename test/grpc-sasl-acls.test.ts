import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, SESSION_TOKEN_METADATA_KEY, createServiceClient, type AlterUserScramCredentialsResponse__Output, type AuthenticateRequest, type AuthenticateResponse__Output, type BrokerClient, type ListGroupsResponse__Output } from '@quill/proto';
import { DEFAULT_SCRAM_ITERATIONS, createScramClient, generateDevCertificates, scramSaltedPassword, type DevCertificateFiles } from '@quill/security';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import type { AclEntry, Quill, SaslOptions } from '@quill/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAcl } from './support/acl-entry.js';

// SASL and ACLs on a broker's gRPC port (SASL_SSL with ssl.client.auth=requested, the authorizer
// on, User:admin a super user): the SDK's sasl option authenticates through the Authenticate RPC;
// each principal gets what its ACLs allow, with Kafka's codes, and sees no topic it may not
// describe; the Replica service is for certificate-verified nodes only.

const PASSWORD = 'grpc-acl-test-password';
const USERS = ['admin', 'alice', 'bob', 'carol', 'erin'];
// Short, so one case sees a token expire and the SDK authenticate again.
const SESSION_LIFETIME_MS = 2_000;

/** A session token from the broker's Authenticate (SCRAM-SHA-512), as the SDK gets one. */
async function sessionToken(broker: BrokerClient, user: string): Promise<string> {
  const call = (request: AuthenticateRequest) =>
    new Promise<AuthenticateResponse__Output>((resolve, reject) => broker.Authenticate(request, (error, answer) => (error ? reject(error) : resolve(answer!))));
  const scram = createScramClient({ mechanism: 'SCRAM-SHA-512', user, password: PASSWORD });
  const first = await call({ mechanism: 'SCRAM-SHA-512', saslBytes: scram.first() });
  const last = await call({ saslBytes: scram.final(first.saslBytes), handshakeHandle: first.handshakeHandle });
  expect(last.sessionLifetimeMs).toBe(SESSION_LIFETIME_MS);
  return last.sessionToken;
}

/** The error code a ListGroups call with `token` is answered. */
function listGroupsWith(broker: BrokerClient, token: string): Promise<string> {
  const metadata = new Metadata();
  metadata.set(SESSION_TOKEN_METADATA_KEY, token);
  return new Promise((resolve, reject) =>
    broker.ListGroups({}, metadata, (error: unknown, answer?: ListGroupsResponse__Output) => (error ? reject(error) : resolve(answer?.error?.code ?? 'NONE'))),
  );
}

const acl = (principal: string, operation: AclEntry['operation'], resourceName: string, extra: Partial<AclEntry> = {}): AclEntry => allowAcl(principal, operation, 'TOPIC', resourceName, extra);

/** The error code of what `action` threw, or 'none'. */
async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'none';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  }
}

describe('SASL and ACLs on the gRPC port', () => {
  let dir: string;
  let certificates: DevCertificateFiles;
  let cluster: TestCluster;
  const clients: Quill[] = [];
  const caPem = (): string => readFileSync(certificates.caLocation, 'utf8');
  /** TLS to the broker without a client certificate, as a SASL client connects. */
  const serverVerified = (): ChannelCredentials => credentials.createSsl(Buffer.from(caPem()));
  const as = (sasl: SaslOptions | undefined): Quill => {
    const client = cluster.client({ retry: { retries: 0 }, ssl: { ca: caPem() }, ...(sasl === undefined ? {} : { sasl }) });
    clients.push(client);
    return client;
  };
  const user = (name: string, password = PASSWORD): Quill => as({ mechanism: 'scram-sha-512', username: name, password });
  const withAdmin = async <T>(client: Quill, action: (admin: ReturnType<Quill['admin']>) => Promise<T>): Promise<T> => {
    const admin = client.admin();
    await admin.connect();
    try {
      return await action(admin);
    } finally {
      await admin.disconnect();
    }
  };
  const produce = async (client: Quill, topic: string): Promise<void> => {
    const producer = client.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: `to ${topic}` }] });
    } finally {
      await producer.disconnect();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-grpc-sasl-'));
    certificates = await generateDevCertificates(dir, { nodeNames: ['broker', 'controller'], clientNames: ['operator'] });
    const sslFor = (name: string, clientAuth: 'requested' | 'required') => ({ ...certificates.endpoints.get(name)!, caLocation: certificates.caLocation, clientAuth });
    cluster = await startCluster({
      brokers: 1,
      controllers: 1,
      brokerConfig: { securityProtocol: 'SASL_SSL', ssl: sslFor('broker', 'requested'), authorizerEnabled: true, superUsers: ['User:admin', 'User:broker'], saslSessionLifetimeMs: SESSION_LIFETIME_MS },
      controllerConfig: { securityProtocol: 'SSL', ssl: sslFor('controller', 'required') },
    });
    // The first credentials go to the controller itself (its port is not the brokers' SASL one), as
    // Kafka's are bootstrapped with the metadata log rather than through an authenticated broker.
    const operator = certificates.endpoints.get('operator')!;
    const controller = createServiceClient('Controller', cluster.controllerAddresses[0]!, {
      credentials: credentials.createSsl(Buffer.from(caPem()), readFileSync(operator.keyLocation), readFileSync(operator.certificateLocation)),
    });
    const salt = Buffer.alloc(32, 1);
    const upsertions = USERS.map((name) => ({ name, mechanism: 'SCRAM-SHA-512', iterations: DEFAULT_SCRAM_ITERATIONS, salt, saltedPassword: scramSaltedPassword('SCRAM-SHA-512', PASSWORD, salt, DEFAULT_SCRAM_ITERATIONS) }));
    const response = await new Promise<AlterUserScramCredentialsResponse__Output>((resolve, reject) =>
      controller.AlterUserScramCredentials({ deletions: [], upsertions }, (error, answer) => (error ? reject(error) : resolve(answer!))),
    );
    controller.close();
    expect(response.results.map((r) => r.errorCode)).toEqual(USERS.map(() => 'NONE'));
    const admin = user('admin');
    await eventually(async () => (await codeOf(() => withAdmin(admin, (a) => a.listTopics()))) === 'none', { description: 'the broker knows the SCRAM users' });
    await withAdmin(admin, async (a) => {
      await a.createTopics({ topics: ['orders', 'logs-a', 'logs-secret'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
      await a.createAcls({
        acl: [
          acl('User:bob', 'WRITE', 'orders'),
          acl('User:carol', 'WRITE', 'logs-', { resourcePatternType: 'PREFIXED' }),
          acl('User:carol', 'DESCRIBE', 'logs-', { resourcePatternType: 'PREFIXED' }),
          acl('User:carol', 'WRITE', 'logs-secret', { permissionType: 'DENY' }),
        ],
      });
    });
    await eventually(async () => (await codeOf(() => produce(user('bob'), 'orders'))) === 'none', { description: 'the broker applies the ACLs' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every call without credentials: SASL_AUTHENTICATION_FAILED', async () => {
    const anonymous = as(undefined);
    expect(await codeOf(() => withAdmin(anonymous, (a) => a.listTopics()))).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(await codeOf(() => produce(anonymous, 'orders'))).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
  });

  it('refuses a wrong password with the same message as an unknown user', async () => {
    const messageOf = async (client: Quill) => {
      try {
        await withAdmin(client, (a) => a.listTopics());
        return 'none';
      } catch (error) {
        return `${(error as { code?: string }).code}: ${(error as Error).message}`;
      }
    };
    const wrong = await messageOf(user('alice', 'guess'));
    expect(wrong).toMatch(/^SASL_AUTHENTICATION_FAILED: .*invalid credentials/);
    expect(await messageOf(user('mallory', 'guess'))).toBe(wrong);
  });

  it('a user without ACLs: TOPIC_AUTHORIZATION_FAILED on produce, and no topic in metadata', async () => {
    const alice = user('alice');
    expect(await codeOf(() => produce(alice, 'orders'))).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await withAdmin(alice, (a) => a.listTopics())).toEqual([]);
    expect(await codeOf(() => withAdmin(alice, (a) => a.createAcls({ acl: [acl('User:alice', 'WRITE', 'orders')] })))).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it('a user with exactly WRITE on the topic produces to it', async () => {
    const bob = user('bob');
    expect(await codeOf(() => produce(bob, 'orders'))).toBe('none');
    expect(await codeOf(() => produce(bob, 'logs-a'))).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('a PREFIXED ALLOW grants the topics under it, and a DENY overrides it', async () => {
    const carol = user('carol');
    expect(await codeOf(() => produce(carol, 'logs-a'))).toBe('none');
    expect(await codeOf(() => produce(carol, 'logs-secret'))).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await withAdmin(carol, (a) => a.listTopics())).sort()).toEqual(['logs-a', 'logs-secret']);
  });

  it('a token ends with its lifetime or its user, and the SDK authenticates again', async () => {
    const broker = createServiceClient('Broker', cluster.bootstrap[0]!, { credentials: serverVerified() });
    try {
      const admin = user('admin');
      expect(await withAdmin(admin, (a) => a.listTopics())).toContain('orders');
      const expiring = await sessionToken(broker, 'alice');
      expect(await listGroupsWith(broker, expiring)).toBe('NONE');
      const erins = await sessionToken(broker, 'erin');
      await withAdmin(admin, (a) => a.alterUserScramCredentials([{ type: 'delete', user: 'erin', mechanism: 'SCRAM-SHA-512' }]));
      await eventually(async () => (await listGroupsWith(broker, erins)) === ErrorCode.SASL_AUTHENTICATION_FAILED, { description: "the deleted user's token is refused" });
      // Refused for the deletion, not its age: alice's token, issued before, still serves.
      expect(await listGroupsWith(broker, expiring)).toBe('NONE');
      await eventually(async () => (await listGroupsWith(broker, expiring)) === ErrorCode.SASL_AUTHENTICATION_FAILED, { description: 'the token expires' });
      expect(await withAdmin(admin, (a) => a.listTopics())).toContain('orders');
    } finally {
      broker.close();
    }
  });

  it('the super user does everything, ACLs included', async () => {
    const admin = user('admin');
    expect((await withAdmin(admin, (a) => a.listTopics())).sort()).toEqual(['logs-a', 'logs-secret', 'orders']);
    expect(await codeOf(() => produce(admin, 'logs-secret'))).toBe('none');
    const { resources } = await withAdmin(admin, (a) => a.describeAcls({ resourceType: 'TOPIC', principal: 'User:carol' }));
    expect(resources.length).toBeGreaterThan(0);
  });

  it('refuses the Replica service to a caller without a node certificate, a super user\'s session token included', async () => {
    const replicaFetch = (metadata: Metadata) => {
      const replica = createServiceClient('Replica', cluster.bootstrap[0]!, { credentials: serverVerified() });
      const request = { replicaId: 1, maxWaitMs: 0, minBytes: 0, maxBytes: 1024, topics: [] };
      return new Promise<ServiceError | null>((resolve) => replica.ReplicaFetch(request, metadata, { deadline: Date.now() + 3000 }, (error: ServiceError | null) => resolve(error))).finally(() => replica.close());
    };
    const anonymous = await replicaFetch(new Metadata());
    expect(anonymous?.code).toBe(status.PERMISSION_DENIED);
    expect(anonymous?.details).toMatch(/^CLUSTER_AUTHORIZATION_FAILED: \/quill\.v1\.Replica\/ReplicaFetch is for nodes and needs a verified client certificate/);
    const broker = createServiceClient('Broker', cluster.bootstrap[0]!, { credentials: serverVerified() });
    const withToken = new Metadata();
    withToken.set(SESSION_TOKEN_METADATA_KEY, await sessionToken(broker, 'admin').finally(() => broker.close()));
    expect((await replicaFetch(withToken))?.code).toBe(status.PERMISSION_DENIED);
  });
});
