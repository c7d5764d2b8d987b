import { describe, expect, it } from 'vitest';
import { secureNodeArgs, type ClusterSecurity } from './secure-cluster.js';

const security: ClusterSecurity = {
  caLocation: '/c/ca.pem',
  nodes: new Map([
    ['node-1', { certificateLocation: '/c/node-1.pem', keyLocation: '/c/node-1-key.pem' }],
    ['controller-101', { certificateLocation: '/c/controller-101.pem', keyLocation: '/c/controller-101-key.pem' }],
  ]),
  client: { certificateLocation: '/c/admin.pem', keyLocation: '/c/admin-key.pem' },
  username: 'admin',
  password: 'secret',
  controllerCredentials: () => {
    throw new Error('not called');
  },
};

/** The value after `flag` in `args`. */
const flag = (args: string[], name: string): string | undefined => args[args.indexOf(name) + 1];

describe('secureNodeArgs', () => {
  it('puts a broker on SASL_SSL with SCRAM-SHA-512 and client certificates required, with its own certificate', () => {
    const args = secureNodeArgs(security, 'node-1', 'broker');
    expect(flag(args, '--security-protocol')).toBe('SASL_SSL');
    expect(flag(args, '--ssl-client-auth')).toBe('required');
    expect(flag(args, '--ssl-certificate-location')).toBe('/c/node-1.pem');
    expect(flag(args, '--ssl-key-location')).toBe('/c/node-1-key.pem');
    expect(flag(args, '--ssl-ca-location')).toBe('/c/ca.pem');
    expect(flag(args, '--kafka-sasl-enabled-mechanisms')).toBe('SCRAM-SHA-512');
    expect(args).toContain('--authorizer');
    expect(flag(args, '--super-users')).toBe('User:node-1;User:controller-101;User:admin');
  });

  it('puts a controller on SSL with client certificates required and no SASL', () => {
    const args = secureNodeArgs(security, 'controller-101', 'controller');
    expect(flag(args, '--security-protocol')).toBe('SSL');
    expect(flag(args, '--ssl-client-auth')).toBe('required');
    expect(flag(args, '--ssl-certificate-location')).toBe('/c/controller-101.pem');
    expect(args).not.toContain('--kafka-sasl-enabled-mechanisms');
    expect(flag(args, '--super-users')).toBe('User:node-1;User:controller-101;User:admin');
  });

  it('refuses a node without a certificate', () => {
    expect(() => secureNodeArgs(security, 'node-9', 'broker')).toThrow(/no certificate for node-9/);
  });
});
