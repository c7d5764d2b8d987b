import path from 'node:path';
import { DEFAULT_BROKER_CONFIG, parseSuperUsers } from '@quill/broker';
import { QuillError } from '@quill/proto';
import { CLIENT_AUTH_MODES, type ClientAuth, type TlsConfig } from '@quill/security';

/**
 * The ssl.* options of a node's gRPC port (librdkafka's names as flags), for `broker start`,
 * `controller start` and `node start`. The node also shows this certificate when it calls other nodes.
 */
export const grpcSslOptions = {
  'ssl-certificate-location': { type: 'string', describe: 'ssl.certificate.location of the gRPC port: its PEM certificate (with --security-protocol SSL), also the node\'s client certificate towards other nodes' },
  'ssl-key-location': { type: 'string', describe: 'ssl.key.location of the gRPC port: the PEM private key of that certificate' },
  'ssl-ca-location': { type: 'string', describe: 'ssl.ca.location of the gRPC port: PEM CA certificates that client certificates and other nodes\' certificates must chain to' },
  'ssl-client-auth': { choices: CLIENT_AUTH_MODES, default: 'none' as ClientAuth, describe: 'ssl.client.auth of the gRPC port (as Kafka)' },
} as const;

/** authorizer.class.name, super.users and allow.everyone.if.no.acl.found, for every node role. */
export const authorizerOptions = {
  authorizer: {
    type: 'boolean',
    default: DEFAULT_BROKER_CONFIG.authorizerEnabled,
    describe: 'authorizer.class.name set: requests are checked against the ACLs in the metadata (quill acls); on a TLS gRPC port node-only RPCs need CLUSTER_ACTION',
  },
  'super-users': { type: 'string', describe: 'super.users: principals allowed everything under --authorizer, ;-separated (User:admin;User:broker-1); list the nodes\' certificate principals here' },
  'allow-everyone-if-no-acl-found': {
    type: 'boolean',
    default: DEFAULT_BROKER_CONFIG.allowEveryoneIfNoAclFound,
    describe: 'allow.everyone.if.no.acl.found: under --authorizer, a resource without any ACL is open to everyone',
  },
} as const;

export interface SslArgs {
  sslCertificateLocation: string | undefined;
  sslKeyLocation: string | undefined;
  sslCaLocation: string | undefined;
  sslClientAuth: ClientAuth;
}

/** A TlsConfig from ssl flags when any is given (the node checks it against its protocol); `flagPrefix` names them in errors. */
export function tlsConfigOfFlags(flags: SslArgs, flagPrefix: string): TlsConfig | undefined {
  const { sslCertificateLocation: certificateLocation, sslKeyLocation: keyLocation, sslCaLocation: caLocation } = flags;
  if (certificateLocation === undefined && keyLocation === undefined && caLocation === undefined) return undefined;
  if (certificateLocation === undefined || keyLocation === undefined) {
    throw new QuillError('INVALID_CONFIG', `TLS needs both --${flagPrefix}ssl-certificate-location and --${flagPrefix}ssl-key-location.`);
  }
  return { certificateLocation: path.resolve(certificateLocation), keyLocation: path.resolve(keyLocation), ...(caLocation === undefined ? {} : { caLocation: path.resolve(caLocation) }), clientAuth: flags.sslClientAuth };
}

/** The gRPC port's TLS settings from the ssl flags. */
export function grpcSslConfig(args: SslArgs): { ssl?: TlsConfig } {
  const ssl = tlsConfigOfFlags(args, '');
  return ssl === undefined ? {} : { ssl };
}

/** The authorizer settings from `authorizerOptions`. */
export function authorizerConfig(args: { authorizer: boolean; superUsers: string | undefined; allowEveryoneIfNoAclFound: boolean }) {
  return {
    authorizerEnabled: args.authorizer,
    ...(args.superUsers === undefined ? {} : { superUsers: parseSuperUsers(args.superUsers) }),
    allowEveryoneIfNoAclFound: args.allowEveryoneIfNoAclFound,
  };
}

/** A controller's protocol beside a broker's in one process: SSL when the broker's port uses TLS (a controller takes no SASL). */
export function controllerProtocolOf(brokerProtocol: string): 'PLAINTEXT' | 'SSL' {
  return brokerProtocol === 'SSL' || brokerProtocol === 'SASL_SSL' ? 'SSL' : 'PLAINTEXT';
}
