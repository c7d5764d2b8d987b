import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

/**
 * node-forge, loaded on first use: it takes tens of milliseconds to load, and every importer of
 * this package (the client among them) would pay for it though only dev certificates need it.
 */
let loadedForge: typeof Forge | undefined;
function forgeLibrary(): typeof Forge {
  return (loadedForge ??= createRequire(import.meta.url)('node-forge') as typeof Forge);
}

/** RSA key size of generated certificates (what Kafka's and most TLS guides use). */
export const DEV_KEY_BITS = 2048;
/** How long generated certificates are valid. */
export const DEV_CERTIFICATE_VALIDITY_DAYS = 365;
/** The names every generated endpoint certificate is valid for: nodes and clients of a dev cluster run on this machine. */
export const DEV_SUBJECT_ALT_NAMES = { dns: ['localhost'], ip: ['127.0.0.1'] } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certificatePem: string;
  keyPem: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** `days` from now (back-dated a minute so a peer whose clock is slightly behind accepts it). */
export function validityFromNow(days: number, now: Date = new Date()): Validity {
  return { notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** A self-signed certificate authority. */
export function createCertificateAuthority(commonName: string, validity: Validity = validityFromNow(DEV_CERTIFICATE_VALIDITY_DAYS)): PemPair {
  const keys = newKeyPair();
  const name = [{ name: 'commonName', value: commonName }];
  const certificate = newCertificate(keys.publicKey, name, validity);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(keys.privateKey, forgeLibrary().md.sha256.create());
  return { certificatePem: forgeLibrary().pki.certificateToPem(certificate), keyPem: forgeLibrary().pki.privateKeyToPem(keys.privateKey) };
}

export interface IssueOptions {
  commonName: string;
  /** `server` certificates also authenticate as clients, as a node dials other nodes. */
  usage: 'server' | 'client';
  validity?: Validity;
  /** Host names the certificate is valid for beside DEV_SUBJECT_ALT_NAMES (a node's name in a container network). */
  dnsNames?: readonly string[];
}

/** An endpoint certificate for 127.0.0.1/localhost (and `dnsNames`) signed by `ca`. */
export function issueCertificate(ca: PemPair, options: IssueOptions): PemPair {
  const caCertificate = forgeLibrary().pki.certificateFromPem(ca.certificatePem);
  const keys = newKeyPair();
  const certificate = newCertificate(keys.publicKey, [{ name: 'commonName', value: options.commonName }], options.validity ?? validityFromNow(DEV_CERTIFICATE_VALIDITY_DAYS));
  certificate.setIssuer(caCertificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: options.usage === 'server', clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...[...DEV_SUBJECT_ALT_NAMES.dns, ...(options.dnsNames ?? [])].map((value) => ({ type: 2, value })), ...DEV_SUBJECT_ALT_NAMES.ip.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(forgeLibrary().pki.privateKeyFromPem(ca.keyPem), forgeLibrary().md.sha256.create());
  return { certificatePem: forgeLibrary().pki.certificateToPem(certificate), keyPem: forgeLibrary().pki.privateKeyToPem(keys.privateKey) };
}

export interface DevCertificateNames {
  /** Nodes (brokers, controllers): `server` certificates. */
  nodeNames: readonly string[];
  /** Clients (users, tools): `client` certificates. */
  clientNames: readonly string[];
  /** More host names of every node certificate; NODE_NAME_PLACEHOLDER in one stands for the node's name (see nodeDnsNames). */
  nodeDnsNames?: readonly string[];
}

/** What `{name}` in a nodeDnsNames entry is replaced by. */
export const NODE_NAME_PLACEHOLDER = '{name}';

/**
 * The host names a node's certificate is valid for beside DEV_SUBJECT_ALT_NAMES: its name, then
 * each of `templates` with NODE_NAME_PLACEHOLDER replaced by it (`{name}.quill-broker` is a
 * StatefulSet pod's DNS name under its headless Service; a name without it, a Service in front of
 * every node), each once.
 */
export function nodeDnsNames(name: string, templates: readonly string[] = []): string[] {
  return [...new Set([name, ...templates.map((template) => template.replaceAll(NODE_NAME_PLACEHOLDER, name))])];
}

/** The files generateDevCertificates wrote. */
export interface DevCertificateFiles {
  caLocation: string;
  caKeyLocation: string;
  /** By name: `<name>.pem` and `<name>-key.pem`. */
  endpoints: ReadonlyMap<string, { certificateLocation: string; keyLocation: string }>;
}

/**
 * Writes a new CA (`ca.pem`, and `ca-key.pem` so more certificates can be issued later) and a
 * certificate per node and client name (`<name>.pem`, `<name>-key.pem`) into `dir`, each also
 * valid for its name as a host name (a node's service name in a container network), and a node's
 * for `names.nodeDnsNames`. Keys are readable by the owner only.
 */
export async function generateDevCertificates(dir: string, names: DevCertificateNames): Promise<DevCertificateFiles> {
  const all = [...names.nodeNames, ...names.clientNames];
  const clash = all.find((name, i) => name === 'ca' || all.indexOf(name) !== i || path.basename(name) !== name);
  if (clash !== undefined) throw new Error(`generateDevCertificates: '${clash}' is not a usable certificate name (reserved, repeated or a path)`);
  await mkdir(dir, { recursive: true });
  // A name of its own, so certificates of two dev CAs are told apart by issuer, not only by signature.
  const ca = createCertificateAuthority(`Quill dev CA ${randomBytes(4).toString('hex')}`);
  const caLocation = path.join(dir, 'ca.pem');
  const caKeyLocation = path.join(dir, 'ca-key.pem');
  await writePair(ca, caLocation, caKeyLocation);
  const endpoints = new Map<string, { certificateLocation: string; keyLocation: string }>();
  for (const [name, usage] of [...names.nodeNames.map((n) => [n, 'server'] as const), ...names.clientNames.map((n) => [n, 'client'] as const)]) {
    const files = { certificateLocation: path.join(dir, `${name}.pem`), keyLocation: path.join(dir, `${name}-key.pem`) };
    const dnsNames = usage === 'server' ? nodeDnsNames(name, names.nodeDnsNames) : [name];
    await writePair(issueCertificate(ca, { commonName: name, usage, dnsNames }), files.certificateLocation, files.keyLocation);
    endpoints.set(name, files);
  }
  return { caLocation, caKeyLocation, endpoints };
}

async function writePair(pair: PemPair, certificateLocation: string, keyLocation: string): Promise<void> {
  await writeFile(certificateLocation, pair.certificatePem);
  await writeFile(keyLocation, pair.keyPem, { mode: 0o600 });
}

// Node generates the key (native, fast); forge only builds and signs the certificate.
function newKeyPair(): Forge.pki.rsa.KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: DEV_KEY_BITS, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { publicKey: forgeLibrary().pki.publicKeyFromPem(publicKey), privateKey: forgeLibrary().pki.privateKeyFromPem(privateKey) };
}

function newCertificate(publicKey: Forge.pki.PublicKey, subject: Forge.pki.CertificateField[], validity: Validity): Forge.pki.Certificate {
  const certificate = forgeLibrary().pki.createCertificate();
  certificate.publicKey = publicKey;
  // A positive serial: 16 random bytes with the top bit clear.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = validity.notBefore;
  certificate.validity.notAfter = validity.notAfter;
  certificate.setSubject(subject);
  return certificate;
}
