import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

/** A problem with one PEM file's content; the loader names the file. */
export class PemProblem extends Error {}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM text, in order; none is a problem. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new PemProblem('is not a PEM certificate (no BEGIN CERTIFICATE block)');
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new PemProblem(`holds a PEM certificate that cannot be parsed (${(error as Error).message})`);
    }
  });
}

export function parsePrivateKey(pem: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new PemProblem('is not a PEM private key (no BEGIN PRIVATE KEY block)');
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new PemProblem(`holds a private key that cannot be read, encrypted keys are not supported (${(error as Error).message})`);
  }
}

/** Throws unless every certificate is valid at `now`. */
export function checkValidity(certificates: readonly X509Certificate[], now: Date): void {
  for (const certificate of certificates) {
    const subject = certificate.subject.replaceAll('\n', ', ');
    if (now < new Date(certificate.validFrom)) throw new PemProblem(`holds a certificate not valid before ${certificate.validFrom} (${subject})`);
    if (now > new Date(certificate.validTo)) throw new PemProblem(`holds a certificate that expired ${certificate.validTo} (${subject})`);
  }
}

export function checkKeyMatches(certificate: X509Certificate, key: KeyObject): void {
  if (!certificate.checkPrivateKey(key)) throw new PemProblem(`does not match the certificate's public key (${certificate.subject.replaceAll('\n', ', ')})`);
}
