import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevCertificates, type DevCertificateFiles } from './dev-certificates.js';
import { loadTls, type LoadedTls } from './load-tls.js';
import { secureContextOptions, tlsServerOptions } from './secure-context.js';
import { TlsReloader } from './tls-reloader.js';
import type { TlsConfig } from './tls-config.js';

const DEBOUNCE_MS = 20;

/** The serial number of the certificate the server presents to a new connection (which is left open). */
function presentedSerial(server: tls.Server, ca: Buffer, open: tls.TLSSocket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca, servername: 'localhost' }, () => {
      open.push(socket);
      resolve(socket.getPeerCertificate().serialNumber);
    });
    socket.on('error', reject);
  });
}

describe('TlsReloader', () => {
  let dir: string;
  let files: DevCertificateFiles;
  let config: TlsConfig;
  let server: tls.Server;
  let reloader: TlsReloader;
  let ca: Buffer;
  const open: tls.TLSSocket[] = [];
  const logged: string[] = [];
  const serialOf = (loaded: LoadedTls): string => loaded.certificate.serialNumber;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-tls-'));
    files = await generateDevCertificates(path.join(dir, 'certs'), { nodeNames: ['first', 'second'], clientNames: [] });
    ca = readFileSync(files.caLocation);
    // The files in force live apart from the generated ones, as an operator's would.
    config = { certificateLocation: path.join(dir, 'node.pem'), keyLocation: path.join(dir, 'node-key.pem'), clientAuth: 'none' };
    copyFileSync(files.endpoints.get('first')!.certificateLocation, config.certificateLocation);
    copyFileSync(files.endpoints.get('first')!.keyLocation, config.keyLocation);
    const loaded = await loadTls(config);
    server = tls.createServer(tlsServerOptions(loaded), (socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    reloader = TlsReloader.start({ loaded, apply: (next) => server.setSecureContext(secureContextOptions(next)), debounceMs: DEBOUNCE_MS, logger });
  });
  afterAll(async () => {
    reloader.close();
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the context in force when the new files are bad, and swaps to good ones without dropping connections', async () => {
    const first = serialOf(reloader.loaded);
    expect(await presentedSerial(server, ca, open)).toBe(first);

    // A key that does not match the certificate: refused on SIGHUP, the old certificate still served.
    copyFileSync(files.endpoints.get('second')!.keyLocation, config.keyLocation);
    process.emit('SIGHUP', 'SIGHUP');
    await eventually(() => logged.some((line) => line.includes('reload refused') && line.includes('does not match')), { description: 'the refused reload logged' });
    expect(serialOf(reloader.loaded)).toBe(first);
    expect(await presentedSerial(server, ca, open)).toBe(first);

    // A file that is not PEM at all, written in place: refused as well.
    writeFileSync(config.certificateLocation, 'half-written');
    await eventually(() => logged.some((line) => line.includes('reload refused') && line.includes('is not a PEM certificate')), { description: 'the second refusal logged' });
    expect(await presentedSerial(server, ca, open)).toBe(first);

    // Both files of the second certificate: the change is seen without a signal and new connections get it.
    copyFileSync(files.endpoints.get('second')!.certificateLocation, config.certificateLocation);
    const second = await eventually(() => serialOf(reloader.loaded) !== first && serialOf(reloader.loaded), { description: 'the second certificate in force' });
    expect(await presentedSerial(server, ca, open)).toBe(second);
    expect(open.every((socket) => !socket.destroyed)).toBe(true);
    expect(server.listening).toBe(true);
  });
});
