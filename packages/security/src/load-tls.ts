import { readFile } from 'node:fs/promises';
import type { X509Certificate } from 'node:crypto';
import { QuillError } from '@quill/proto';
import { checkKeyMatches, checkValidity, parseCertificates, parsePrivateKey, PemProblem } from './pem-checks.js';
import { tlsPropertyName, type TlsConfig } from './tls-config.js';

/** A TlsConfig's files, read and checked. */
export interface LoadedTls {
  readonly config: TlsConfig;
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly caPem: string | undefined;
  /** The endpoint's own certificate (the first of ssl.certificate.location). */
  readonly certificate: X509Certificate;
}

/**
 * Reads the PEM files of `config` and checks them as a start or a reload needs: every file
 * readable and of its kind, every certificate valid at `now`, the key that of the certificate.
 * Throws INVALID_CONFIG with a one-line message naming the setting and the file.
 */
export async function loadTls(config: TlsConfig, now: Date = new Date()): Promise<LoadedTls> {
  if (config.clientAuth !== 'none' && config.caLocation === undefined) {
    throw new QuillError('INVALID_CONFIG', `${tlsPropertyName('clientAuth')}=${config.clientAuth} needs ${tlsPropertyName('caLocation')} to verify client certificates.`);
  }
  const certificatePem = await readPem(config, 'certificateLocation');
  const keyPem = await readPem(config, 'keyLocation');
  const caPem = config.caLocation === undefined ? undefined : await readPem(config, 'caLocation');
  const certificates = checked(config, 'certificateLocation', () => {
    const all = parseCertificates(certificatePem);
    checkValidity(all, now);
    return all;
  });
  const certificate = certificates[0]!;
  checked(config, 'keyLocation', () => checkKeyMatches(certificate, parsePrivateKey(keyPem)));
  if (caPem !== undefined) checked(config, 'caLocation', () => checkValidity(parseCertificates(caPem), now));
  return { config, certificatePem, keyPem, caPem, certificate };
}

type FileSetting = 'certificateLocation' | 'keyLocation' | 'caLocation';

async function readPem(config: TlsConfig, setting: FileSetting): Promise<string> {
  const file = config[setting]!;
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new QuillError('INVALID_CONFIG', `${tlsPropertyName(setting)} ${file} ${reason}.`);
  }
}

function checked<T>(config: TlsConfig, setting: FileSetting, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof PemProblem) throw new QuillError('INVALID_CONFIG', `${tlsPropertyName(setting)} ${config[setting]!} ${error.message}.`);
    throw error;
  }
}
