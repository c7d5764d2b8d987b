import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QuillError, type Admin } from '@quill/client';
import { generateDevCertificates, issueCertificate, type PemPair } from '@quill/security';
import { grpcTlsNodeArgs, superUsersOf, upsertScramCredential } from '@quill/testing';
import { assertWritableValue, formatClientProperties, formatJavaClientProperties, optionsFromClientProperties } from '../client-security/client-properties.js';
import { clientSecurity, type ClientSecurity, type ClientSecurityArgs } from '../client-security/client-security.js';

/** Where `quill dev --secure` keeps its CA and certificates, under the data dir. */
export const DEV_CERTIFICATES_DIR = 'certificates';
/** The client properties file `quill dev --secure` writes into the data dir. */
export const CLIENT_PROPERTIES_FILE = 'client.properties';
/** Its twin for Kafka's Java clients and tools, beside it. */
export const JAVA_CLIENT_PROPERTIES_FILE = 'client-java.properties';
/** The super user `quill dev --secure` creates unless --user names another. */
export const DEFAULT_DEV_USER = 'admin';
/** Random bytes of a generated password (base64url, so nothing a properties file reads differently). */
const GENERATED_PASSWORD_BYTES = 18;
/** The mechanism of the super user's credential and of the Kafka listeners. */
const DEV_SASL_MECHANISM = 'SCRAM-SHA-512';
/** How often dev checks whether each broker has learned the super user's credential. */
const CREDENTIAL_POLL_MS = 100;
/** How long the brokers get to learn it from the metadata log. */
const CREDENTIAL_WAIT_MS = 10_000;
/** User names usable in a principal list (super.users is ;-separated) and a properties file as they are. */
const USER_NAME = /^[A-Za-z0-9._-]+$/;

/** A node's certificate: its subject CN is its principal, User:broker-<id>. */
export function devNodeCertificateName(id: number): string {
  return `broker-${id}`;
}

export interface DevSecurity {
  dataDir: string;
  caLocation: string;
  /** By node id. */
  nodes: ReadonlyMap<number, { certificateLocation: string; keyLocation: string }>;
  /** A client certificate whose principal is the super user (User:<username>). */
  client: { certificateLocation: string; keyLocation: string };
  username: string;
  password: string;
}

/**
 * The certificates (a new CA and one per node and for the super user, or those of an earlier run
 * on this data dir, issuing what is missing) and the super user's credentials: --user/--password,
 * else those of the earlier run's client.properties, else `admin` with a generated password.
 */
export async function prepareDevSecurity(dataDir: string, nodeIds: readonly number[], given: { user?: string | undefined; password?: string | undefined }): Promise<DevSecurity> {
  const previous = readPreviousCredentials(path.join(dataDir, CLIENT_PROPERTIES_FILE));
  const username = given.user ?? previous?.username ?? DEFAULT_DEV_USER;
  if (!USER_NAME.test(username)) throw new QuillError('INVALID_CONFIG', `--user must be letters, digits, '.', '_' or '-', got '${username}'.`);
  const password = given.password ?? (previous?.username === username ? previous.password : randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url'));
  // Checked before any node starts: it goes into client.properties once the cluster is up.
  assertWritableValue('--password', password);
  const dir = path.join(dataDir, DEV_CERTIFICATES_DIR);
  const names = [...nodeIds.map(devNodeCertificateName), username];
  const files = (name: string) => ({ certificateLocation: path.join(dir, `${name}.pem`), keyLocation: path.join(dir, `${name}-key.pem`) });
  const caLocation = path.join(dir, 'ca.pem');
  if (existsSync(caLocation)) {
    await issueMissing(caLocation, path.join(dir, 'ca-key.pem'), names.map((name, i) => ({ name, usage: i < nodeIds.length ? ('server' as const) : ('client' as const), ...files(name) })));
  } else {
    await generateDevCertificates(dir, { nodeNames: names.slice(0, nodeIds.length), clientNames: [username] });
  }
  return { dataDir, caLocation, nodes: new Map(nodeIds.map((id) => [id, files(devNodeCertificateName(id))])), client: files(username), username, password };
}

function readPreviousCredentials(file: string): { username: string; password: string } | undefined {
  if (!existsSync(file)) return undefined;
  const options = optionsFromClientProperties(readFileSync(file, 'utf8'));
  const username = options['sasl-username'];
  const password = options['sasl-password'];
  return username === undefined || password === undefined ? undefined : { username, password };
}

async function issueMissing(
  caLocation: string,
  caKeyLocation: string,
  wanted: ReadonlyArray<{ name: string; usage: 'server' | 'client'; certificateLocation: string; keyLocation: string }>,
): Promise<void> {
  const missing = wanted.filter((w) => !existsSync(w.certificateLocation) || !existsSync(w.keyLocation));
  if (missing.length === 0) return;
  const ca: PemPair = { certificatePem: await readFile(caLocation, 'utf8'), keyPem: await readFile(caKeyLocation, 'utf8') };
  for (const w of missing) {
    const pair = issueCertificate(ca, { commonName: w.name, usage: w.usage, dnsNames: [w.name] });
    await writeFile(w.certificateLocation, pair.certificatePem);
    await writeFile(w.keyLocation, pair.keyPem, { mode: 0o600 });
  }
}

/** Where dev --secure writes client.properties. */
export function clientPropertiesPath(security: DevSecurity): string {
  return path.join(security.dataDir, CLIENT_PROPERTIES_FILE);
}

/** super.users of a secure dev cluster: every node's certificate principal, and the super user. */
export function devSuperUsers(security: DevSecurity): string {
  return superUsersOf([...security.nodes.keys()].map(devNodeCertificateName), security.username);
}

/**
 * The security.protocol of a secure dev cluster's brokers' gRPC ports (a controller's port takes
 * SSL). Client certificates are requested, not required: nodes and dev itself authenticate by
 * theirs (User:broker-<id>, User:<super user>), clients by SASL (client.properties).
 */
const DEV_GRPC_SECURITY_PROTOCOL = 'SASL_SSL';

/**
 * The `quill node start` flags that make dev node `id` secure: TLS on its gRPC ports with its
 * certificate and SASL, its Kafka listener on SASL_SSL, SCRAM-SHA-512 on both, and the authorizer.
 */
export function devSecureNodeArgs(security: DevSecurity, id: number): string[] {
  const node = security.nodes.get(id);
  if (node === undefined) throw new Error(`devSecureNodeArgs: no certificate for node ${id}`);
  return [
    ...grpcTlsNodeArgs(node, security.caLocation, DEV_GRPC_SECURITY_PROTOCOL, 'requested'),
    '--kafka-security-protocol',
    'SASL_SSL',
    '--kafka-ssl-certificate-location',
    node.certificateLocation,
    '--kafka-ssl-key-location',
    node.keyLocation,
    '--kafka-sasl-enabled-mechanisms',
    DEV_SASL_MECHANISM,
    '--authorizer',
    '--super-users',
    devSuperUsers(security),
  ];
}

/** The TLS settings of dev's own clients (readiness checks, console, demo): the super user's certificate. */
export function devClientSecurity(security: DevSecurity): ClientSecurityArgs {
  return { securityProtocol: 'SSL', sslCaLocation: security.caLocation, sslCertificateLocation: security.client.certificateLocation, sslKeyLocation: security.client.keyLocation };
}

/** devClientSecurity as the SDK's options. */
export function devSdkSecurity(security: DevSecurity): ClientSecurity {
  return clientSecurity(devClientSecurity(security), (location) => readFileSync(location, 'utf8'));
}

/** The super user's settings as client.properties gives them: SASL_SSL, SCRAM-SHA-512, the dev CA. */
export function devSuperUserSecurity(security: DevSecurity): ClientSecurity {
  const settings: ClientSecurityArgs = {
    securityProtocol: 'SASL_SSL',
    saslMechanism: DEV_SASL_MECHANISM,
    saslUsername: security.username,
    saslPassword: security.password,
    sslCaLocation: security.caLocation,
  };
  return clientSecurity(settings, (location) => readFileSync(location, 'utf8'));
}

/**
 * Once the cluster answers: sets the super user's SCRAM-SHA-512 credential, waits until every
 * broker (`grpcAddresses`) accepts it (`authenticates`: brokers learn it from the metadata log),
 * and writes `<data dir>/client.properties` (and client-java.properties beside it); returns the first's path.
 */
export async function finishDevSecurity(
  security: DevSecurity,
  admin: Admin,
  addresses: { grpc: readonly string[]; kafka: readonly string[] },
  authenticates: (address: string) => Promise<boolean>,
): Promise<string> {
  await admin.connect();
  try {
    await upsertScramCredential(admin, security.username, security.password);
  } finally {
    await admin.disconnect();
  }
  const deadline = Date.now() + CREDENTIAL_WAIT_MS;
  for (const address of addresses.grpc) {
    while (!(await authenticates(address))) {
      if (Date.now() >= deadline) {
        throw new QuillError('REQUEST_TIMED_OUT', `broker ${address} did not accept user ${security.username}'s new credential within ${CREDENTIAL_WAIT_MS} ms.`);
      }
      await sleep(CREDENTIAL_POLL_MS);
    }
  }
  const file = clientPropertiesPath(security);
  const text = formatClientProperties({
    kafkaBootstrap: addresses.kafka.join(','),
    grpcBootstrap: addresses.grpc.join(','),
    username: security.username,
    password: security.password,
    caLocation: security.caLocation,
  });
  await writeFile(file, text, { mode: 0o600 });
  const java = formatJavaClientProperties({ kafkaBootstrap: addresses.kafka.join(','), username: security.username, password: security.password, caLocation: security.caLocation });
  await writeFile(path.join(path.dirname(file), JAVA_CLIENT_PROPERTIES_FILE), java, { mode: 0o600 });
  return file;
}
