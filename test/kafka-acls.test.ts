import { ErrorCode } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import type { AclEntry } from '@quill/client';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type AclEntry as KafkaJsAclEntry } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readValuesWithKafkaJs } from './support/kafkajs-read.js';
import { allowAcl } from './support/acl-entry.js';

// ACLs enforced on a SASL_PLAINTEXT Kafka listener with the authorizer on: SCRAM users created and
// ACLs written through the SDK admin (gRPC), KafkaJS as the client of each principal.

const PASSWORD = 'acl-test-password';
const USERS = ['admin', 'alice', 'bob', 'carol', 'dave'];


// KafkaJS's messages for Kafka errors 29, TOPIC_AUTHORIZATION_FAILED, and 30, GROUP_AUTHORIZATION_FAILED (its retry wrappers keep the message, not the type).
const TOPIC_AUTHORIZATION_FAILED = 'Not authorized to access topics: [Topic authorization failed]';
const GROUP_AUTHORIZATION_FAILED = 'Not authorized to access group: Group authorization failed';

/** The message of what `action` threw, or 'none'. */
async function errorOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'none';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('ACLs on the Kafka listener', () => {
  let cluster: TestCluster;
  const kafka = (user: string): Kafka =>
    new Kafka({
      clientId: `kafka-acls-${user}`,
      brokers: cluster.kafkaBootstrap,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-256', username: user, password: PASSWORD },
    });
  const topicsSeenBy = async (user: string): Promise<string[]> => {
    const admin = kafka(user).admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).sort();
    } finally {
      await admin.disconnect();
    }
  };
  const produce = async (user: string, topic: string, values: string[]): Promise<void> => {
    const producer = kafka(user).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: values.map((value) => ({ value })) });
    } finally {
      await producer.disconnect();
    }
  };
  const createAcls = async (acl: AclEntry[]): Promise<void> => {
    const admin = cluster.client({}).admin();
    await admin.connect();
    try {
      await admin.createAcls({ acl });
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    cluster = await startCluster({
      brokers: 1,
      controllers: 1,
      // The test's SDK admin reaches the plaintext gRPC port as User:ANONYMOUS (the authorizer checks it
      // too); every Kafka client authenticates on this SASL listener, so none is ANONYMOUS there.
      brokerConfig: { kafkaSecurityProtocol: 'SASL_PLAINTEXT', kafkaSaslEnabledMechanisms: ['SCRAM-SHA-256'], authorizerEnabled: true, superUsers: ['User:admin', 'User:ANONYMOUS'] },
    });
    const admin = cluster.client({}).admin();
    await admin.connect();
    try {
      const results = await admin.alterUserScramCredentials(USERS.map((user) => ({ type: 'upsert' as const, user, mechanism: 'SCRAM-SHA-256' as const, password: PASSWORD })));
      expect(new Set(results.map((r) => r.errorCode))).toEqual(new Set([ErrorCode.NONE]));
    } finally {
      await admin.disconnect();
    }
    // The super user does everything: creates topics and produces without any ACL.
    await eventually(async () => (await errorOf(() => topicsSeenBy('admin'))) === 'none', { description: 'the broker knows the SCRAM users' });
    const superAdmin = kafka('admin').admin();
    await superAdmin.connect();
    await superAdmin.createTopics({ topics: ['orders', 'logs-a', 'logs-secret'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    await superAdmin.disconnect();
    await produce('admin', 'orders', ['o0', 'o1', 'o2']);
    await createAcls([
      allowAcl('User:bob', 'READ', 'TOPIC', 'orders'),
      allowAcl('User:bob', 'DESCRIBE', 'TOPIC', 'orders'),
      allowAcl('User:bob', 'READ', 'GROUP', 'bob-group'),
      allowAcl('User:carol', 'WRITE', 'TOPIC', 'logs-', { resourcePatternType: 'PREFIXED' }),
      allowAcl('User:carol', 'WRITE', 'TOPIC', 'logs-secret', { permissionType: 'DENY' }),
      allowAcl('User:dave', 'DESCRIBE', 'TOPIC', 'orders'),
      allowAcl('User:dave', 'READ', 'GROUP', 'dave-group'),
      allowAcl('User:dave', 'DESCRIBE', 'GROUP', 'dave-described-group'),
    ]);
    await eventually(async () => (await topicsSeenBy('dave')).includes('orders'), { description: 'the broker applies the ACLs' });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the super user sees every topic and consumes (its group admin-group)', async () => {
    expect(await topicsSeenBy('admin')).toEqual(expect.arrayContaining(['logs-a', 'logs-secret', 'orders']));
    expect(await readValuesWithKafkaJs(kafka('admin'), 'orders', 'admin-group', 3)).toEqual(['o0', 'o1', 'o2']);
  });

  it('a user without ACLs sees no topics and is refused producing (at Metadata, as Kafka) with TOPIC_AUTHORIZATION_FAILED', async () => {
    expect(await topicsSeenBy('alice')).toEqual([]);
    expect(await errorOf(() => produce('alice', 'orders', ['nope']))).toBe(TOPIC_AUTHORIZATION_FAILED);
  });

  it('READ and DESCRIBE on the topic and READ on the group are enough to consume', async () => {
    expect(await topicsSeenBy('bob')).toEqual(['orders']);
    expect(await readValuesWithKafkaJs(kafka('bob'), 'orders', 'bob-group', 3)).toEqual(['o0', 'o1', 'o2']);
    // ListGroups shows bob only the group he may describe; the super user's group stays hidden.
    const admin = kafka('bob').admin();
    await admin.connect();
    try {
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toEqual(['bob-group']);
    } finally {
      await admin.disconnect();
    }
    expect(await errorOf(() => produce('bob', 'orders', ['nope']))).toBe(TOPIC_AUTHORIZATION_FAILED);
  });

  /** The message a KafkaJS consumer of `orders` in `groupId` crashes with. */
  const consumerCrash = async (user: string, groupId: string): Promise<string> => {
    const consumer = kafka(user).consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, retry: { retries: 0 } });
    await consumer.connect();
    try {
      const crashed = new Promise<string>((resolve) => consumer.on(consumer.events.CRASH, (event) => resolve(event.payload.error.message)));
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      await consumer.run({ eachMessage: async () => {} });
      return await crashed;
    } finally {
      await consumer.disconnect();
    }
  };

  it('Fetch without READ on the topic is refused TOPIC_AUTHORIZATION_FAILED', async () => {
    expect(await consumerCrash('dave', 'dave-group')).toBe(TOPIC_AUTHORIZATION_FAILED);
  });

  it('joining a group with DESCRIBE but not READ on it is refused GROUP_AUTHORIZATION_FAILED', async () => {
    expect(await consumerCrash('dave', 'dave-described-group')).toBe(GROUP_AUTHORIZATION_FAILED);
  });

  it('only a principal with ALTER on the cluster creates ACLs over the Kafka listener (CLUSTER_AUTHORIZATION_FAILED otherwise)', async () => {
    const acl: KafkaJsAclEntry[] = [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'logs-a',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:alice',
        host: '*',
        operation: AclOperationTypes.DESCRIBE,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ];
    const alice = kafka('alice').admin();
    await alice.connect();
    try {
      expect(await errorOf(() => alice.createAcls({ acl }))).toBe('Cluster authorization failed');
    } finally {
      await alice.disconnect();
    }
    const admin = kafka('admin').admin();
    await admin.connect();
    try {
      await admin.createAcls({ acl });
    } finally {
      await admin.disconnect();
    }
    await eventually(async () => (await topicsSeenBy('alice')).includes('logs-a'), { description: 'the ACL the super user created over the Kafka listener applies' });
  });

  it('a PREFIXED ALLOW lets a user write every matching topic, and a DENY overrides it (the Produce refused TOPIC_AUTHORIZATION_FAILED)', async () => {
    await produce('carol', 'logs-a', ['l0']);
    expect(await errorOf(() => produce('carol', 'logs-secret', ['nope']))).toBe(TOPIC_AUTHORIZATION_FAILED);
    expect(await errorOf(() => produce('carol', 'orders', ['nope']))).toBe(TOPIC_AUTHORIZATION_FAILED);
  });
});
