import { describe, expect, it } from 'vitest';
import { checkGrpcSecurity } from './grpc-security-checks.js';

describe('checkGrpcSecurity', () => {
  it('refuses SASL_PLAINTEXT on the gRPC port with INVALID_CONFIG saying why', () => {
    expect(() => checkGrpcSecurity({ securityProtocol: 'SASL_PLAINTEXT' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/replication would be unauthenticated; use SASL_SSL/) }));
  });

  it('accepts PLAINTEXT, SSL and SASL_SSL', () => {
    for (const securityProtocol of ['PLAINTEXT', 'SSL', 'SASL_SSL'] as const) expect(() => checkGrpcSecurity({ securityProtocol })).not.toThrow();
  });
});
