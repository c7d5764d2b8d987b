import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devSecureNodeArgs, devSuperUsers, prepareDevSecurity } from './dev-secure.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('quill dev --secure', () => {
  it('gives each node its certificate, SASL_SSL on the Kafka listener, and the node principals and the super user as super users', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-dev-secure-'));
    const security = await prepareDevSecurity(dir, [1, 2], {});
    expect(security.username).toBe('admin');
    expect(security.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(devSuperUsers(security)).toBe('User:broker-1;User:broker-2;User:admin');
    const args = devSecureNodeArgs(security, 2);
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(flag('--ssl-certificate-location')).toBe(path.join(dir, 'certificates', 'broker-2.pem'));
    expect(flag('--kafka-ssl-key-location')).toBe(path.join(dir, 'certificates', 'broker-2-key.pem'));
    expect(flag('--kafka-security-protocol')).toBe('SASL_SSL');
    expect(flag('--kafka-sasl-enabled-mechanisms')).toBe('SCRAM-SHA-512');
    expect(flag('--super-users')).toBe('User:broker-1;User:broker-2;User:admin');
    expect(args).toContain('--authorizer');
  });

  it('restarted on its data dir, keeps the CA and the password of its client.properties, and issues a certificate for a new node', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-dev-secure-'));
    await prepareDevSecurity(dir, [1], { user: 'ops', password: 'first-pw' });
    const ca = readFileSync(path.join(dir, 'certificates', 'ca.pem'), 'utf8');
    writeFileSync(path.join(dir, 'client.properties'), 'sasl.username=ops\nsasl.password=first-pw\n');
    const again = await prepareDevSecurity(dir, [1, 2], { user: 'ops' });
    expect(again.password).toBe('first-pw');
    expect(readFileSync(again.caLocation, 'utf8')).toBe(ca);
    expect(readFileSync(again.nodes.get(2)!.certificateLocation, 'utf8')).toContain('BEGIN CERTIFICATE');
    // Another user than the file's gets a password of its own.
    expect((await prepareDevSecurity(dir, [1], { user: 'admin' })).password).not.toBe('first-pw');
    await expect(prepareDevSecurity(dir, [1], { user: 'a;b' })).rejects.toThrow(/--user must be/);
    await expect(prepareDevSecurity(dir, [1], { password: 'back\\slash' })).rejects.toThrow(/--password cannot be written to a properties file/);
  });
});
