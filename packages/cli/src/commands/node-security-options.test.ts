import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorizerConfig, controllerProtocolOf, grpcSslConfig, tlsConfigOfFlags } from './node-security-options.js';

const NONE = { sslCertificateLocation: undefined, sslKeyLocation: undefined, sslCaLocation: undefined, sslClientAuth: 'none' as const };

describe('node security options', () => {
  it('leaves TLS out when no ssl flag is given', () => {
    expect(grpcSslConfig(NONE)).toEqual({});
  });

  it('makes a TlsConfig of resolved paths from the flags', () => {
    expect(grpcSslConfig({ sslCertificateLocation: 'n.pem', sslKeyLocation: 'n-key.pem', sslCaLocation: 'ca.pem', sslClientAuth: 'required' })).toEqual({
      ssl: { certificateLocation: path.resolve('n.pem'), keyLocation: path.resolve('n-key.pem'), caLocation: path.resolve('ca.pem'), clientAuth: 'required' },
    });
  });

  it('refuses a certificate without its key, naming the flags', () => {
    expect(() => tlsConfigOfFlags({ ...NONE, sslCertificateLocation: 'n.pem' }, '')).toThrow('TLS needs both --ssl-certificate-location and --ssl-key-location.');
    expect(() => tlsConfigOfFlags({ ...NONE, sslCaLocation: 'ca.pem' }, 'kafka-')).toThrow('--kafka-ssl-certificate-location and --kafka-ssl-key-location');
  });

  it('gives a controller beside a broker SSL exactly when the broker port uses TLS', () => {
    expect(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].map(controllerProtocolOf)).toEqual(['PLAINTEXT', 'SSL', 'PLAINTEXT', 'SSL']);
  });

  it('parses the authorizer flags', () => {
    expect(authorizerConfig({ authorizer: true, superUsers: 'User:broker-1;User:admin', allowEveryoneIfNoAclFound: false })).toEqual({
      authorizerEnabled: true,
      superUsers: ['User:broker-1', 'User:admin'],
      allowEveryoneIfNoAclFound: false,
    });
  });
});
