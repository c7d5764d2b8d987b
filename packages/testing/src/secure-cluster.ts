import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { ErrorCode, QuillError, type AclEntry, type Admin, type SaslOptions, type SslOptions } from '@quill/client';
import { generateDevCertificates, loadTls, nodeChannelCredentials } from '@quill/security';

/** The super user a secure process cluster creates; its clients authenticate as it. */
export const SECURE_CLUSTER_USER = 'admin';
/** The SASL mechanism of the brokers' gRPC ports and of the super user's credential. */
export const SECURE_CLUSTER_SASL_MECHANISM = 'SCRAM-SHA-512';
/** Random bytes of the generated password (base64url). */
const PASSWORD_BYTES = 18;

/**
 * A secure process cluster's certificates (a new CA, one per node named as its process, CN and
 * so principal `User:<name>`, and the super user's client certificate) and the super user's
 * password.
 */
export interface ClusterSecurity {
  caLocation: string;
  /** By node process name (`node-1`, `controller-101`). */
  nodes: ReadonlyMap<string, { certificateLocation: string; keyLocation: string }>;
  client: { certificateLocation: string; keyLocation: string };
  username: string;
  password: string;
  /** Channel credentials with the super user's certificate, for calls straight to the controllers. */
  controllerCredentials: () => ChannelCredentials;
}

/** Generates the certificates into `dir` with the dev-certificate functions of @quill/security. */
export async function prepareClusterSecurity(dir: string, nodeNames: readonly string[]): Promise<ClusterSecurity> {
  const files = await generateDevCertificates(dir, { nodeNames, clientNames: [SECURE_CLUSTER_USER] });
  const client = files.endpoints.get(SECURE_CLUSTER_USER)!;
  const loaded = await loadTls({ ...client, caLocation: files.caLocation, clientAuth: 'none' });
  const channel = nodeChannelCredentials(loaded);
  return {
    caLocation: files.caLocation,
    nodes: new Map(nodeNames.map((name) => [name, files.endpoints.get(name)!])),
    client,
    username: SECURE_CLUSTER_USER,
    password: randomBytes(PASSWORD_BYTES).toString('base64url'),
    controllerCredentials: () => channel,
  };
}

/** super.users: every node's certificate principal (`User:<CN>`, its certificate name) and the super user. */
export function superUsersOf(nodeCertificateNames: Iterable<string>, username: string): string {
  return [...[...nodeCertificateNames].map((name) => `User:${name}`), `User:${username}`].join(';');
}

/** The node flags of TLS on a gRPC port: its protocol, the node's certificate and key, the CA, and whether client certificates are asked for. */
export function grpcTlsNodeArgs(
  files: { certificateLocation: string; keyLocation: string },
  caLocation: string,
  securityProtocol: 'SSL' | 'SASL_SSL',
  clientAuth: 'requested' | 'required',
): string[] {
  return [
    '--security-protocol',
    securityProtocol,
    '--ssl-certificate-location',
    files.certificateLocation,
    '--ssl-key-location',
    files.keyLocation,
    '--ssl-ca-location',
    caLocation,
    '--ssl-client-auth',
    clientAuth,
  ];
}

/**
 * The node flags of a secure cluster: TLS with client certificates required on the gRPC port,
 * SASL_SSL with SCRAM-SHA-512 on a broker's (SSL on a controller's), and the authorizer with the
 * nodes and the super user as super users. The Kafka listener stays as it was.
 */
export function secureNodeArgs(security: ClusterSecurity, name: string, role: 'broker' | 'controller'): string[] {
  const node = security.nodes.get(name);
  if (node === undefined) throw new Error(`secureNodeArgs: no certificate for ${name}`);
  return [
    ...grpcTlsNodeArgs(node, security.caLocation, role === 'broker' ? 'SASL_SSL' : 'SSL', 'required'),
    ...(role === 'broker' ? ['--kafka-sasl-enabled-mechanisms', SECURE_CLUSTER_SASL_MECHANISM] : []),
    '--authorizer',
    '--super-users',
    superUsersOf(security.nodes.keys(), security.username),
  ];
}

/** The SDK's ssl option: the cluster's CA and the super user's certificate (which the ports require). */
export function secureSsl(security: ClusterSecurity): SslOptions {
  return { ca: readFileSync(security.caLocation, 'utf8'), cert: readFileSync(security.client.certificateLocation, 'utf8'), key: readFileSync(security.client.keyLocation, 'utf8') };
}

/** The SDK's sasl option: the super user's SCRAM-SHA-512 credential. */
export function secureSasl(security: ClusterSecurity): SaslOptions {
  return { mechanism: 'scram-sha-512', username: security.username, password: security.password };
}

/**
 * Sets the super user's SCRAM credential through `admin`, which authenticates by the super user's
 * certificate; the brokers learn it from the metadata log.
 */
export async function createSuperUserCredential(security: ClusterSecurity, admin: Admin): Promise<void> {
  await admin.connect();
  try {
    await upsertScramCredential(admin, security.username, security.password);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A user with a generated password, a SCRAM-SHA-512 credential and the ACL entries `acls` gives
 * `User:<name>`, created through `admin` (a super user's); returns the SDK's sasl option for it.
 * The ACLs go first: brokers apply the metadata log in order, so one that authenticates the user
 * already holds its ACLs.
 */
export async function createUser(admin: Admin, name: string, acls: ReadonlyArray<Omit<AclEntry, 'principal'>>): Promise<SaslOptions> {
  const password = randomBytes(PASSWORD_BYTES).toString('base64url');
  await admin.connect();
  try {
    await admin.createAcls({ acl: acls.map((entry) => ({ ...entry, principal: `User:${name}` })) });
    await upsertScramCredential(admin, name, password);
  } finally {
    await admin.disconnect();
  }
  return { mechanism: 'scram-sha-512', username: name, password };
}

/** Creates or replaces `user`'s SCRAM-SHA-512 credential; a refusal throws its code. */
export async function upsertScramCredential(admin: Admin, user: string, password: string): Promise<void> {
  const [result] = await admin.alterUserScramCredentials([{ type: 'upsert', user, mechanism: SECURE_CLUSTER_SASL_MECHANISM, password }]);
  if (result !== undefined && result.errorCode !== ErrorCode.NONE) {
    throw new QuillError(result.errorCode, `creating user ${user}: ${result.errorMessage ?? result.errorCode}`);
  }
}
