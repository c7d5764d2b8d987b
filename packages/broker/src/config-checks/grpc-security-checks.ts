import { QuillError } from '@quill/proto';

/**
 * Refuses gRPC-port security settings a broker cannot run safely. Brokers replicate over their gRPC
 * port and prove to each other who they are with client certificates, so SASL_PLAINTEXT there would
 * leave replication unauthenticated; the Kafka listener's SASL_PLAINTEXT is unaffected (no
 * replication crosses it).
 */
export function checkGrpcSecurity(config: { securityProtocol: string }): void {
  if (config.securityProtocol === 'SASL_PLAINTEXT') {
    throw new QuillError(
      'INVALID_CONFIG',
      'security.protocol SASL_PLAINTEXT is not supported on a broker\'s gRPC port: brokers authenticate to each other there with client certificates, so replication would be unauthenticated; use SASL_SSL with ssl.client.auth requested or required (the Kafka listener may still use SASL_PLAINTEXT)',
    );
  }
}
