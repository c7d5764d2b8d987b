import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QuillError } from '@quill/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevCertificates, issueCertificate, type DevCertificateFiles } from './dev-certificates.js';
import { loadTls } from './load-tls.js';
import type { TlsConfig } from './tls-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('loadTls', () => {
  let dir: string;
  let files: DevCertificateFiles;
  let good: TlsConfig;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const refusal = async (config: TlsConfig): Promise<QuillError> => {
    const error = await loadTls(config).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(QuillError);
    expect((error as QuillError).code).toBe('INVALID_CONFIG');
    expect((error as QuillError).retriable).toBe(false);
    expect((error as QuillError).message).not.toContain('\n');
    return error as QuillError;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-tls-'));
    files = await generateDevCertificates(dir, { nodeNames: ['broker-1'], clientNames: ['alice'] });
    const node = files.endpoints.get('broker-1')!;
    good = { certificateLocation: node.certificateLocation, keyLocation: node.keyLocation, caLocation: files.caLocation, clientAuth: 'required' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a valid certificate, key and CA', async () => {
    const loaded = await loadTls(good);
    expect(loaded.certificate.subject).toContain('CN=broker-1');
    expect(loaded.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('names a missing file and its setting', async () => {
    const missing = path.join(dir, 'nowhere.pem');
    const error = await refusal({ ...good, certificateLocation: missing });
    expect(error.message).toBe(`ssl.certificate.location ${missing} does not exist.`);
  });

  it('refuses a file that is not a PEM certificate', async () => {
    const file = write('garbage.pem', 'not a certificate at all');
    expect((await refusal({ ...good, certificateLocation: file })).message).toContain(`ssl.certificate.location ${file} is not a PEM certificate`);
    const broken = write('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect((await refusal({ ...good, caLocation: broken })).message).toContain(`ssl.ca.location ${broken} holds a PEM certificate that cannot be parsed`);
  });

  it('refuses a key file that is not a PEM private key', async () => {
    const error = await refusal({ ...good, keyLocation: good.certificateLocation });
    expect(error.message).toContain(`ssl.key.location ${good.certificateLocation} is not a PEM private key`);
  });

  it('refuses an expired certificate and one not valid yet', async () => {
    const ca = { certificatePem: readFileSync(files.caLocation, 'utf8'), keyPem: readFileSync(files.caKeyLocation, 'utf8') };
    const now = Date.now();
    const expired = issueCertificate(ca, { commonName: 'old', usage: 'server', validity: { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) } });
    const early = issueCertificate(ca, { commonName: 'early', usage: 'server', validity: { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 10 * DAY_MS) } });
    const expiredFile = write('expired.pem', expired.certificatePem);
    const expiredError = await refusal({ ...good, certificateLocation: expiredFile, keyLocation: write('expired-key.pem', expired.keyPem) });
    expect(expiredError.message).toMatch(new RegExp(`^ssl.certificate.location ${expiredFile} holds a certificate that expired .*CN=old`));
    const earlyFile = write('early.pem', early.certificatePem);
    const earlyError = await refusal({ ...good, certificateLocation: earlyFile, keyLocation: write('early-key.pem', early.keyPem) });
    expect(earlyError.message).toContain(`ssl.certificate.location ${earlyFile} holds a certificate not valid before`);
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const other = files.endpoints.get('alice')!;
    const error = await refusal({ ...good, keyLocation: other.keyLocation });
    expect(error.message).toContain(`ssl.key.location ${other.keyLocation} does not match the certificate's public key`);
  });

  it('needs a CA when client certificates are asked for', async () => {
    const { caLocation: _, ...withoutCa } = good;
    expect((await refusal({ ...withoutCa, clientAuth: 'requested' })).message).toBe('ssl.client.auth=requested needs ssl.ca.location to verify client certificates.');
    await expect(loadTls({ ...withoutCa, clientAuth: 'none' })).resolves.toMatchObject({ caPem: undefined });
  });
});
