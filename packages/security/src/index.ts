// @quill/security: TLS for Quill's listeners. PEM files named with librdkafka's settings, loaded
// and checked at start, reloaded on SIGHUP or file change, and dev certificates; SCRAM credentials
// and the server side of SASL PLAIN and SCRAM exchanges.
export { CLIENT_AUTH_MODES, DEFAULT_TLS_RELOAD_DEBOUNCE_MS, parseClientAuth, tlsConfigFromProperties, tlsPropertyName, type ClientAuth, type TlsConfig } from './tls-config.js';
export { loadTls, type LoadedTls } from './load-tls.js';
export { admitsPeer, secureContextOptions, tlsServerOptions } from './secure-context.js';
export { TlsReloader, type TlsReloaderOptions } from './tls-reloader.js';
export { principalFromCertificate } from './grpc/certificate-principal.js';
export { ReloadableServerCredentials, nodeChannelCredentials } from './grpc/grpc-credentials.js';
export { startNodeGrpcTls, type NodeGrpcTls, type NodeGrpcTlsOptions } from './grpc/node-grpc-tls.js';
export {
  ANONYMOUS_PRINCIPAL,
  NODE_ONLY_GRPC_METHODS,
  certificateCallPrincipal,
  clusterActionInterceptor,
  type ClusterActionGuard,
  type GrpcCallPrincipal,
} from './grpc/cluster-action-interceptor.js';
export {
  DEV_CERTIFICATE_VALIDITY_DAYS,
  DEV_KEY_BITS,
  DEV_SUBJECT_ALT_NAMES,
  NODE_NAME_PLACEHOLDER,
  createCertificateAuthority,
  generateDevCertificates,
  issueCertificate,
  nodeDnsNames,
  validityFromNow,
  type DevCertificateFiles,
  type DevCertificateNames,
  type IssueOptions,
  type PemPair,
  type Validity,
} from './dev-certificates.js';
export {
  DEFAULT_SCRAM_ITERATIONS,
  SCRAM_MAX_ITERATIONS,
  SCRAM_MECHANISMS,
  SCRAM_MIN_ITERATIONS,
  SCRAM_SALT_BYTES,
  isScramMechanism,
  scramClientKey,
  scramCredentialFromPassword,
  scramCredentialFromSaltedPassword,
  scramDigest,
  scramHash,
  scramHmac,
  scramSaltedPassword,
  type ScramCredential,
  type ScramMechanism,
  type ScramPasswordOptions,
} from './scram.js';
export { invalidCredentialsMessage, type SaslServer, type SaslStep, type ScramCredentialLookup } from './sasl/sasl-server.js';
export { SCRAM_SERVER_NONCE_BYTES, createScramServer, unknownUserCredentials, type ScramServerOptions } from './sasl/scram-server.js';
export { PLAIN_CHECK_ORDER, createPlainServer, type PlainServerOptions } from './sasl/plain-server.js';
export { SCRAM_CLIENT_NONCE_BYTES, createScramClient, plainMessage, type ScramClient, type ScramClientOptions } from './sasl/scram-client.js';
