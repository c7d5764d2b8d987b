import { describe, expect, it } from 'vitest';
import { MIN_SASL_SESSION_LIFETIME_MS, checkGrpcSecurity, checkSaslSessionLifetimeMs } from './grpc-security-checks.js';

describe('checkGrpcSecurity', () => {
  it('refuses SASL_PLAINTEXT on the gRPC port with INVALID_CONFIG saying why', () => {
    expect(() => checkGrpcSecurity({ securityProtocol: 'SASL_PLAINTEXT', saslSessionLifetimeMs: 60_000 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/replication would be unauthenticated; use SASL_SSL/) }));
  });

  it('accepts PLAINTEXT, SSL and SASL_SSL', () => {
    for (const securityProtocol of ['PLAINTEXT', 'SSL', 'SASL_SSL'] as const) {
      for (const clientAuth of ['requested', 'required']) expect(() => checkGrpcSecurity({ securityProtocol, saslSessionLifetimeMs: 60_000, ssl: { clientAuth } })).not.toThrow();
    }
  });

  it('refuses a TLS gRPC port that asks for no client certificate: replica fetches could never prove a node', () => {
    for (const securityProtocol of ['SSL', 'SASL_SSL'] as const) {
      expect(() => checkGrpcSecurity({ securityProtocol, saslSessionLifetimeMs: 60_000, ssl: { clientAuth: 'none' } })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/ssl\.client\.auth none is not supported .* use requested/) }),
      );
    }
  });

  it('refuses a session lifetime that is not a whole number of at least the minimum', () => {
    for (const saslSessionLifetimeMs of [Number.NaN, 0, -1, 999, 1500.5, Number.POSITIVE_INFINITY]) {
      expect(() => checkGrpcSecurity({ securityProtocol: 'SASL_SSL', saslSessionLifetimeMs }), String(saslSessionLifetimeMs)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
    expect(checkSaslSessionLifetimeMs(MIN_SASL_SESSION_LIFETIME_MS)).toBe(MIN_SASL_SESSION_LIFETIME_MS);
  });
});
