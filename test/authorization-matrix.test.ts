import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ApiKeys, type ApiVersionsResponse } from '@quill/kafka-protocol';
import { createServiceClient, type AlterUserScramCredentialsResponse__Output, type BrokerClient } from '@quill/proto';
import { DEFAULT_SCRAM_ITERATIONS, generateDevCertificates, scramSaltedPassword } from '@quill/security';
import { eventually } from '@quill/test-support';
import { startCluster, type TestCluster } from '@quill/testing';
import type { AclEntry } from '@quill/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_KINDS,
  AUTHORIZATION_CODES,
  PRINCIPAL_KINDS,
  SECRET_TOPIC,
  answerText,
  denyOverAllowAcls,
  exactAcls,
  foreignNames,
  matrixNames,
  prefixedAcls,
  valuesUnder,
  type MatrixNames,
  type MatrixRow,
  type PrincipalKind,
} from './support/authorization-matrix.js';
import { authenticateBroker, brokerServiceMethods, callBroker } from './support/grpc-broker-call.js';
import { GRPC_MATRIX_ROWS } from './support/grpc-matrix-rows.js';
import { kafkaSaslCall, type KafkaCallOutcome } from './support/kafka-sasl-call.js';
import { KAFKA_MATRIX_ROWS } from './support/kafka-matrix-rows.js';

// The authorization matrix: every client API of both listeners (the Broker service's RPCs, the
// Kafka APIs the listener serves) called as each principal kind, on one cluster with SASL on both
// listeners (SASL_SSL on the gRPC port, which takes nothing less; SASL_PLAINTEXT on the Kafka
// listener) and the authorizer on. Each answer is the expected one (served, or refused with the
// row's Kafka code), and no answer holds a name the principal may not see.

const PASSWORD = 'matrix-password';
const SUPER_USER = 'mx-super';
const NO_ACLS_USER = 'mx-noacl';
const SENTINEL_USER = 'mx-sentinel';
/**
 * Each row's exact, prefixed and deny principals hold that row's ACLs only (on both listeners'
 * names): an ALLOW implies others, and DESCRIBE on the cluster shows every group, so principals
 * of one row must not lend their ACLs to another.
 */
const exactUser = (row: string) => `mx-exact-${row}`;
const prefixedUser = (row: string) => `mx-prefixed-${row}`;
const denyUser = (row: string) => `mx-deny-${row}`;
const ROW_NAMES = [...new Set([...Object.keys(GRPC_MATRIX_ROWS), ...Object.keys(KAFKA_MATRIX_ROWS)])];
const USERS = [SUPER_USER, NO_ACLS_USER, SENTINEL_USER, ...ROW_NAMES.flatMap((row) => [exactUser(row), prefixedUser(row), denyUser(row)])];

const KAFKA_CODES: Readonly<Record<number, string>> = {
  29: 'TOPIC_AUTHORIZATION_FAILED',
  30: 'GROUP_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  53: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  58: 'SASL_AUTHENTICATION_FAILED',
};
// The Kafka APIs that need no ACL: learning versions and authenticating.
const KAFKA_UNGUARDED = new Set<number>([ApiKeys.ApiVersions, ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate]);
const API_VERSIONS_VERSION = 3;
const REFUSED = new Set<string>([...AUTHORIZATION_CODES, 'SASL_AUTHENTICATION_FAILED']);

/** The user a kind calls row `row` as (no-credentials: none). */
function userOf(kind: PrincipalKind, row: string): { username: string; password: string } | undefined {
  switch (kind) {
    case 'no-credentials':
      return undefined;
    case 'wrong-password':
      return { username: exactUser(row), password: 'not-the-password' };
    case 'no-acls':
      return { username: NO_ACLS_USER, password: PASSWORD };
    case 'exact-acl':
      return { username: exactUser(row), password: PASSWORD };
    case 'deny-over-allow':
      return { username: denyUser(row), password: PASSWORD };
    case 'prefixed-acl':
      return { username: prefixedUser(row), password: PASSWORD };
    case 'super-user':
      return { username: SUPER_USER, password: PASSWORD };
  }
}

/**
 * What a kind should get from a row: the refusal code, or 'served'. Without credentials the gRPC
 * port refuses the call SASL_AUTHENTICATION_FAILED and the Kafka listener closes the connection
 * (as Kafka's broker does for a request before authentication).
 */
function expectedOutcome(listener: 'grpc' | 'kafka', kind: PrincipalKind, row: MatrixRow<unknown>): string {
  if (row.unimplemented !== undefined) return 'UNIMPLEMENTED';
  if (kind === 'no-credentials' && listener === 'kafka') return 'connection closed';
  if (kind === 'no-credentials' || kind === 'wrong-password') return 'SASL_AUTHENTICATION_FAILED';
  if (ALLOWED_KINDS.has(kind) || row.refusal === 'hidden') return 'served';
  return row.refusal;
}

/** The ACLs of every principal kind over both listeners' names. */
function matrixAcls(): AclEntry[] {
  const acls: AclEntry[] = [];
  for (const [listener, rows] of [
    ['grpc', GRPC_MATRIX_ROWS],
    ['kafka', KAFKA_MATRIX_ROWS],
  ] as const) {
    for (const [name, row] of Object.entries<MatrixRow<unknown>>(rows)) {
      acls.push(...exactAcls(`User:${exactUser(name)}`, row.needs, matrixNames(listener, 'exact-acl')));
      acls.push(...prefixedAcls(`User:${prefixedUser(name)}`, row.needs, matrixNames(listener, 'prefixed-acl')));
      acls.push(...denyOverAllowAcls(`User:${denyUser(name)}`, row.needs, matrixNames(listener, 'deny-over-allow')));
    }
  }
  const key = (a: AclEntry) => JSON.stringify(a);
  return [...new Map(acls.map((a) => [key(a), a])).values()];
}

/**
 * What is wrong with one answer, or nothing: its outcome against the expected one, a name of
 * another principal (or the secret topic) in it, and for a listing, the needed resource shown
 * exactly to the kinds allowed it.
 */
function problemsOf(listener: 'grpc' | 'kafka', kind: PrincipalKind, row: MatrixRow<unknown>, names: MatrixNames, outcome: string, answer: object | undefined): string[] {
  const problems: string[] = [];
  const expected = expectedOutcome(listener, kind, row);
  if (outcome !== expected) problems.push(`answered ${outcome}, expected ${expected}`);
  if (answer === undefined) return problems;
  const text = answerText(answer);
  if (kind !== 'super-user' && row.seesEverything !== true) {
    const leaked = foreignNames(kind).filter((name) => text.includes(name));
    if (leaked.length > 0) problems.push(`answer shows ${leaked.join(', ')}`);
  }
  if (row.refusal === 'hidden') {
    for (const need of row.needs) {
      const shown = text.includes(`"${need.name(names)}"`);
      if (shown !== ALLOWED_KINDS.has(kind)) problems.push(`${need.name(names)} ${shown ? 'shown' : 'not shown'}`);
    }
  }
  return problems;
}

/** Names under the same prefix that no topic, group or transactional id has. */
function absentNames(names: MatrixNames): MatrixNames {
  const absent = (field: string) => `${names.prefix}absent-${field}`;
  return { prefix: names.prefix, topic: absent('topic'), deletableTopic: absent('deletable'), newTopic: absent('new'), group: absent('group'), deletableGroup: absent('dg'), transactionalId: absent('tx') };
}

/** The refusal codes in an answer (any level), or 'served'. */
function outcomeOf(codes: readonly string[]): string {
  const refusals = [...new Set(codes.filter((code) => REFUSED.has(code)))];
  return refusals.length === 0 ? 'served' : refusals.join('+');
}

describe('authorization matrix: every API of both listeners × every principal kind', () => {
  let dir: string;
  let cluster: TestCluster;
  let broker: BrokerClient;
  const tokens = new Map<string, Promise<{ token: string } | { errorCode: string }>>();
  const tokenOf = (username: string, password: string) => {
    const key = `${username}:${password}`;
    let token = tokens.get(key);
    if (token === undefined) {
      token = authenticateBroker(broker, username, password);
      tokens.set(key, token);
    }
    return token;
  };
  const superToken = async (): Promise<string> => {
    const session = await tokenOf(SUPER_USER, PASSWORD);
    if (!('token' in session)) throw new Error(`the super user is refused: ${session.errorCode}`);
    return session.token;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-authorization-matrix-'));
    const certificates = await generateDevCertificates(dir, { nodeNames: ['broker', 'controller'], clientNames: ['operator'] });
    const ca = readFileSync(certificates.caLocation);
    const sslFor = (name: string, clientAuth: 'requested' | 'required') => ({ ...certificates.endpoints.get(name)!, caLocation: certificates.caLocation, clientAuth });
    cluster = await startCluster({
      brokers: 1,
      controllers: 1,
      brokerConfig: {
        securityProtocol: 'SASL_SSL',
        ssl: sslFor('broker', 'requested'),
        kafkaSecurityProtocol: 'SASL_PLAINTEXT',
        kafkaSaslEnabledMechanisms: ['SCRAM-SHA-512'],
        authorizerEnabled: true,
        superUsers: [`User:${SUPER_USER}`, 'User:broker'],
      },
      controllerConfig: { securityProtocol: 'SSL', ssl: sslFor('controller', 'required') },
    });
    // The matrix's clients show no certificate: their principal is the SASL user, or none.
    broker = createServiceClient('Broker', cluster.bootstrap[0]!, { credentials: credentials.createSsl(ca) });
    // The first credentials go to the controller itself (by the operator's certificate), as Kafka's are bootstrapped with the metadata log.
    const operator = certificates.endpoints.get('operator')!;
    const controller = createServiceClient('Controller', cluster.controllerAddresses[0]!, {
      credentials: credentials.createSsl(ca, readFileSync(operator.keyLocation), readFileSync(operator.certificateLocation)),
    });
    const salt = Buffer.alloc(32, 7);
    const saltedPassword = scramSaltedPassword('SCRAM-SHA-512', PASSWORD, salt, DEFAULT_SCRAM_ITERATIONS);
    const upsertions = USERS.map((name) => ({ name, mechanism: 'SCRAM-SHA-512', iterations: DEFAULT_SCRAM_ITERATIONS, salt, saltedPassword }));
    const created = await new Promise<AlterUserScramCredentialsResponse__Output>((resolve, reject) =>
      controller.AlterUserScramCredentials({ deletions: [], upsertions }, (error, answer) => (error ? reject(error) : resolve(answer!))),
    );
    controller.close();
    expect(created.results.filter((r) => r.errorCode !== 'NONE')).toEqual([]);
    await eventually(
      async () => {
        tokens.clear();
        return 'token' in (await tokenOf(SUPER_USER, PASSWORD));
      },
      { description: 'the broker knows the SCRAM users' },
    );
    const admin = cluster.client({ retry: { retries: 0 }, ssl: { ca }, sasl: { mechanism: 'scram-sha-512', username: SUPER_USER, password: PASSWORD } }).admin();
    await admin.connect();
    try {
      const pairs = (['grpc', 'kafka'] as const).flatMap((listener) => PRINCIPAL_KINDS.map((kind) => matrixNames(listener, kind)));
      const topics = [SECRET_TOPIC, ...pairs.flatMap((n) => [n.topic, n.deletableTopic])];
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
      // Each pair's groups hold offsets on its topic and on the secret one (which only the super user may see).
      const token = await superToken();
      const commitOffsets = async () => {
        // FindCoordinator first: the broker creates the offsets topic and loads the groups' partitions on it.
        await callBroker(broker, 'FindCoordinator', { keyType: 'COORDINATOR_TYPE_GROUP', keys: pairs.flatMap((n) => [n.group, n.deletableGroup]) }, token);
        const answers = await Promise.all(
          pairs.flatMap((n) =>
            [n.group, n.deletableGroup].map((groupId) =>
              callBroker(broker, 'OffsetCommit', { groupId, generationId: -1, memberId: '', topics: [n.topic, SECRET_TOPIC].map((name) => ({ name, partitions: [{ partition: 0, committedOffset: 0 }] })) }, token),
            ),
          ),
        );
        const failed = answers.flatMap((answer) => [...valuesUnder(answer, 'errorCode'), ...valuesUnder(answer, 'code')]).filter((code) => code !== 'NONE');
        if (failed.length > 0) throw new Error(`offset commits answered ${[...new Set(failed)].join(', ')}`);
        return true;
      };
      await eventually(commitOffsets, { description: 'the group coordinator takes the offsets' });
      await admin.createAcls({ acl: matrixAcls() });
      // Applied in order: once the sentinel's ACL shows, every earlier one does.
      await admin.createAcls({ acl: [{ resourceType: 'TOPIC', resourceName: SECRET_TOPIC, resourcePatternType: 'LITERAL', principal: `User:${SENTINEL_USER}`, host: '*', operation: 'DESCRIBE', permissionType: 'ALLOW' }] });
    } finally {
      await admin.disconnect();
    }
    await eventually(
      async () => {
        const session = await tokenOf(SENTINEL_USER, PASSWORD);
        return 'token' in session && answerText(await callBroker(broker, 'Metadata', { topics: [], allTopics: true }, session.token)).includes(SECRET_TOPIC);
      },
      { description: 'the broker applies the ACLs' },
    );
  }, 60_000);
  afterAll(async () => {
    broker?.close();
    await cluster?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('has a gRPC row for every client method of the Broker service (proto/quill/v1/broker.proto)', () => {
    expect(Object.keys(GRPC_MATRIX_ROWS).sort()).toEqual(brokerServiceMethods().filter((method) => method !== 'Authenticate').sort());
  });

  it('has a Kafka row for every API the listener serves (its ApiVersions answer)', async () => {
    const answer = await kafkaSaslCall(cluster.kafkaBootstrap[0]!, undefined, ApiKeys.ApiVersions, API_VERSIONS_VERSION, { clientSoftwareName: 'authorization-matrix', clientSoftwareVersion: '1' });
    if (answer.kind !== 'answer') throw new Error(`ApiVersions: ${answer.kind}`);
    const served = (answer.body as ApiVersionsResponse).apiKeys;
    const apiName = (key: number) => Object.entries(ApiKeys).find(([, value]) => value === key)?.[0] ?? `api-${key}`;
    expect(Object.keys(KAFKA_MATRIX_ROWS).sort()).toEqual(served.filter((api) => !KAFKA_UNGUARDED.has(api.apiKey)).map((api) => apiName(api.apiKey)).sort());
    // Each row's version is one the listener serves.
    const outOfRange = Object.entries(KAFKA_MATRIX_ROWS).flatMap(([name, row]) => {
      const { version } = row.call(matrixNames('kafka', 'super-user'));
      const range = served.find((api) => api.apiKey === ApiKeys[name as keyof typeof ApiKeys]);
      return range !== undefined && version >= range.minVersion && version <= range.maxVersion ? [] : [`${name} v${version}`];
    });
    expect(outOfRange).toEqual([]);
  });

  /** What is wrong with the answers every gRPC row gets as `kind`, calling on `names`. */
  const grpcProblems = async (kind: PrincipalKind, names: MatrixNames): Promise<string[]> => {
    const problems = await Promise.all(
      Object.entries(GRPC_MATRIX_ROWS).map(async ([method, row]) => {
        const user = userOf(kind, method);
        const session = user === undefined ? undefined : await tokenOf(user.username, user.password);
        const token = session !== undefined && 'token' in session ? session.token : undefined;
        const authenticationRefused = session !== undefined && 'errorCode' in session ? [session.errorCode] : [];
        let answer: object;
        try {
          answer = await callBroker(broker, method, row.call(names), token);
        } catch (error) {
          return problemsOf('grpc', kind, row, names, GrpcStatus[(error as ServiceError).code] ?? (error as Error).message, undefined).map((problem) => `${method}: ${problem}`);
        }
        const codes = [...authenticationRefused, ...[...valuesUnder(answer, 'code'), ...valuesUnder(answer, 'errorCode')].filter((c): c is string => typeof c === 'string')];
        return problemsOf('grpc', kind, row, names, outcomeOf(codes), answer).map((problem) => `${method}: ${problem}`);
      }),
    );
    return problems.flat();
  };

  /** What is wrong with the answers every Kafka row gets as `kind`, calling on `names`, each on its own connection. */
  const kafkaProblems = async (kind: PrincipalKind, names: MatrixNames): Promise<string[]> => {
    const address = cluster.kafkaBootstrap[0]!;
    const problems = await Promise.all(
      Object.entries(KAFKA_MATRIX_ROWS).map(async ([api, row]) => {
        const { version, body } = row.call(names);
        const outcome: KafkaCallOutcome = await kafkaSaslCall(address, userOf(kind, api), ApiKeys[api as keyof typeof ApiKeys], version, body);
        const found =
          outcome.kind === 'closed'
            ? problemsOf('kafka', kind, row, names, 'connection closed', undefined)
            : outcome.kind === 'authentication-failed'
              ? problemsOf('kafka', kind, row, names, KAFKA_CODES[outcome.errorCode] ?? `error ${outcome.errorCode}`, undefined)
              : problemsOf('kafka', kind, row, names, outcomeOf(valuesUnder(outcome.body, 'errorCode').map((code) => KAFKA_CODES[code as number] ?? 'other')), outcome.body);
        return found.map((problem) => `${api}: ${problem}`);
      }),
    );
    return problems.flat();
  };

  for (const kind of PRINCIPAL_KINDS) {
    it(`gRPC × ${kind}`, async () => {
      expect(await grpcProblems(kind, matrixNames('grpc', kind))).toEqual([]);
    });
  }

  for (const kind of PRINCIPAL_KINDS) {
    it(`Kafka × ${kind}`, async () => {
      expect(await kafkaProblems(kind, matrixNames('kafka', kind))).toEqual([]);
    });
  }

  // Refused before existence is looked at, as Kafka's: a principal without ACLs cannot tell which resources exist.
  it('gRPC × no-acls on resources that do not exist: the same refusals', async () => {
    expect(await grpcProblems('no-acls', absentNames(matrixNames('grpc', 'no-acls')))).toEqual([]);
  });

  it('Kafka × no-acls on resources that do not exist: the same refusals', async () => {
    expect(await kafkaProblems('no-acls', absentNames(matrixNames('kafka', 'no-acls')))).toEqual([]);
  });

  // Variants of a row's API that take another path through its rule.
  const kafkaAs = (user: string, api: keyof typeof ApiKeys, version: number, body: object) => kafkaSaslCall(cluster.kafkaBootstrap[0]!, { username: user, password: PASSWORD }, ApiKeys[api], version, body);
  const kafkaCodes = (outcome: KafkaCallOutcome) => (outcome.kind === 'answer' ? [...new Set(valuesUnder(outcome.body, 'errorCode'))] : [outcome.kind]);

  it('Kafka: a follower Fetch (replicaId set) by a client principal with READ on the topic is refused CLUSTER_AUTHORIZATION_FAILED', async () => {
    const { version, body } = KAFKA_MATRIX_ROWS.Fetch!.call(matrixNames('kafka', 'exact-acl'));
    expect(kafkaCodes(await kafkaAs(exactUser('Fetch'), 'Fetch', version, { ...body, replicaId: 1 }))).toEqual([31]);
  });

  it('an idempotent InitProducerId (no transactional id) needs WRITE on some topic or IDEMPOTENT_WRITE on the cluster: CLUSTER_AUTHORIZATION_FAILED', async () => {
    expect(kafkaCodes(await kafkaAs(NO_ACLS_USER, 'InitProducerId', 2, { transactionalId: null, transactionTimeoutMs: 60_000 }))).toEqual([31]);
    expect(kafkaCodes(await kafkaAs(exactUser('Produce'), 'InitProducerId', 2, { transactionalId: null, transactionTimeoutMs: 60_000 }))).toEqual([0]);
    const session = await tokenOf(NO_ACLS_USER, PASSWORD);
    const token = 'token' in session ? session.token : undefined;
    const answer = await callBroker(broker, 'InitProducerId', { transactionTimeoutMs: 60_000 }, token);
    expect(valuesUnder(answer, 'code')).toEqual(['CLUSTER_AUTHORIZATION_FAILED']);
  });

  it('Kafka OffsetFetch v8 (groups, every topic) shows a group only its described topics', async () => {
    const names = matrixNames('kafka', 'exact-acl');
    const outcome = await kafkaAs(exactUser('OffsetFetch'), 'OffsetFetch', 8, { groups: [{ groupId: names.group, topics: null }], requireStable: false });
    expect(kafkaCodes(outcome)).toEqual([0]);
    const text = answerText(outcome.kind === 'answer' ? outcome.body : undefined);
    expect(text).toContain(names.topic);
    expect(text).not.toContain(SECRET_TOPIC);
  });

  it('Metadata naming a topic that does not exist, auto-creation asked, by a principal without CREATE: refused and not created', async () => {
    const absent = `${matrixNames('kafka', 'no-acls').prefix}auto`;
    const outcome = await kafkaAs(NO_ACLS_USER, 'Metadata', 9, { topics: [{ name: absent }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(kafkaCodes(outcome)).toEqual([29]);
    const session = await tokenOf(NO_ACLS_USER, PASSWORD);
    const token = 'token' in session ? session.token : undefined;
    const grpcAbsent = `${matrixNames('grpc', 'no-acls').prefix}auto`;
    expect(valuesUnder(await callBroker(broker, 'Metadata', { topics: [grpcAbsent], allTopics: false, allowAutoTopicCreation: true }, token), 'errorCode')).toEqual(['TOPIC_AUTHORIZATION_FAILED']);
    const shown = await callBroker(broker, 'Metadata', { topics: [], allTopics: true }, await superToken());
    expect(answerText(shown)).not.toContain(absent);
    expect(answerText(shown)).not.toContain(grpcAbsent);
  });
});
