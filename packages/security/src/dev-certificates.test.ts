import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDevCertificates, nodeDnsNames } from './dev-certificates.js';

describe('generateDevCertificates', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'quill-dev-certs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CA and certificates for 127.0.0.1/localhost and their name signed by it, keys readable by the owner only', async () => {
    const files = await generateDevCertificates(dir, { nodeNames: ['node-1'], clientNames: ['admin'] });
    const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.pem')));
    expect(ca.ca).toBe(true);
    for (const name of ['node-1', 'admin']) {
      const certificate = new X509Certificate(readFileSync(path.join(dir, `${name}.pem`)));
      expect(certificate.subject).toBe(`CN=${name}`);
      expect(certificate.ca).toBe(false);
      expect(certificate.verify(ca.publicKey)).toBe(true);
      expect(certificate.checkHost('localhost')).toBe('localhost');
      expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
      // Its name as a host name too: a node's service name in a container network.
      expect(certificate.checkHost(name)).toBe(name);
      expect(certificate.checkHost('node-2')).toBeUndefined();
      expect(statSync(path.join(dir, `${name}-key.pem`)).mode & 0o777).toBe(0o600);
    }
    expect(files.endpoints.get('admin')).toEqual({ certificateLocation: path.join(dir, 'admin.pem'), keyLocation: path.join(dir, 'admin-key.pem') });
  });

  it('gives node certificates the host names of nodeDnsNames, {name} standing for the node, and clients none of them', async () => {
    const more = mkdtempSync(path.join(tmpdir(), 'quill-dev-certs-'));
    try {
      await generateDevCertificates(more, { nodeNames: ['pod-0'], clientNames: ['admin'], nodeDnsNames: ['{name}.pods.ns.svc', 'front'] });
      const node = new X509Certificate(readFileSync(path.join(more, 'pod-0.pem')));
      for (const host of ['pod-0', 'pod-0.pods.ns.svc', 'front', 'localhost']) expect(node.checkHost(host), host).toBe(host);
      expect(node.checkHost('pod-1.pods.ns.svc')).toBeUndefined();
      const client = new X509Certificate(readFileSync(path.join(more, 'admin.pem')));
      expect(client.checkHost('front')).toBeUndefined();
      expect(client.checkHost('admin.pods.ns.svc')).toBeUndefined();
    } finally {
      rmSync(more, { recursive: true, force: true });
    }
  });

  it('nodeDnsNames: the name first, each template once', () => {
    expect(nodeDnsNames('b-1')).toEqual(['b-1']);
    expect(nodeDnsNames('b-1', ['{name}.s', 'svc', '{name}', 'svc'])).toEqual(['b-1', 'b-1.s', 'svc']);
  });

  it('refuses names that would overwrite the CA or each other, or leave the directory', async () => {
    await expect(generateDevCertificates(dir, { nodeNames: ['ca'], clientNames: [] })).rejects.toThrow("'ca' is not a usable certificate name");
    await expect(generateDevCertificates(dir, { nodeNames: ['x'], clientNames: ['x'] })).rejects.toThrow("'x' is not a usable");
    await expect(generateDevCertificates(dir, { nodeNames: ['../x'], clientNames: [] })).rejects.toThrow("'../x' is not a usable");
  });
});
