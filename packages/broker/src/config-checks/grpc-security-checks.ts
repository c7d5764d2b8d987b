import { QuillError } from '@quill/proto';

/**
 * Refuses gRPC-port security settings a broker cannot run safely. Brokers replicate over their gRPC
 * port and prove to each other who they are with client certificates, so SASL_PLAINTEXT there would
 * leave replication unauthenticated; the Kafka listener's SASL_PLAINTEXT is unaffected (no
 * replication crosses it).
 */
export function checkGrpcSecurity(config: { securityProtocol: string; saslSessionLifetimeMs: number; ssl?: { clientAuth: string } }): void {
  checkSaslSessionLifetimeMs(config.saslSessionLifetimeMs);
  // Without asking for client certificates the port never learns a node's principal, and the
  // other brokers' replica fetches would all be refused.
  if ((config.securityProtocol === 'SSL' || config.securityProtocol === 'SASL_SSL') && config.ssl?.clientAuth === 'none') {
    throw new QuillError(
      'INVALID_CONFIG',
      `ssl.client.auth none is not supported on a broker's ${config.securityProtocol} gRPC port: other brokers fetch as replicas there and prove who they are with client certificates; use requested (clients may still come without one) or required`,
    );
  }
  if (config.securityProtocol === 'SASL_PLAINTEXT') {
    throw new QuillError(
      'INVALID_CONFIG',
      'security.protocol SASL_PLAINTEXT is not supported on a broker\'s gRPC port: brokers authenticate to each other there with client certificates, so replication would be unauthenticated; use SASL_SSL with ssl.client.auth requested or required (the Kafka listener may still use SASL_PLAINTEXT)',
    );
  }
}

/** The shortest sasl.session.lifetime.ms taken: a shorter one would have clients authenticate about as often as they call. */
export const MIN_SASL_SESSION_LIFETIME_MS = 1000;

/**
 * Answers `value` when it is a whole number of milliseconds of at least MIN_SASL_SESSION_LIFETIME_MS;
 * NaN would make tokens never expire and 0 or less would make every token invalid, so both are refused.
 */
export function checkSaslSessionLifetimeMs(value: number): number {
  if (!Number.isInteger(value) || value < MIN_SASL_SESSION_LIFETIME_MS) {
    throw new QuillError('INVALID_CONFIG', `sasl.session.lifetime.ms must be a whole number of milliseconds of at least ${MIN_SASL_SESSION_LIFETIME_MS}, not ${value}`);
  }
  return value;
}
