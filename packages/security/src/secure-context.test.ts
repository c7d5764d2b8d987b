import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevCertificates, type DevCertificateFiles } from './dev-certificates.js';
import { loadTls } from './load-tls.js';
import { admitsPeer, tlsServerOptions } from './secure-context.js';
import type { ClientAuth } from './tls-config.js';

/** A TLS echo-less server that answers "ok" to every admitted connection and closes the others. */
async function serve(files: DevCertificateFiles, clientAuth: ClientAuth): Promise<tls.Server> {
  const node = files.endpoints.get('broker-1')!;
  const loaded = await loadTls({ ...node, caLocation: files.caLocation, clientAuth });
  const server = tls.createServer(tlsServerOptions(loaded), (socket) => {
    socket.on('error', () => undefined);
    if (admitsPeer(socket, loaded)) socket.end('ok');
    else socket.destroy();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** What a client reads before the connection ends: "ok", or the error that ended it. */
function talk(server: tls.Server, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...options });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', (error) => resolve(`error: ${error.message}`));
    socket.on('close', () => resolve(received === '' ? 'closed' : received));
  });
}

describe('TLS server options and ssl.client.auth', () => {
  let dir: string;
  let ours: DevCertificateFiles;
  let theirs: DevCertificateFiles;
  const servers: tls.Server[] = [];
  const clientOf = (files: DevCertificateFiles, name: string): tls.ConnectionOptions => ({
    cert: readFileSync(files.endpoints.get(name)!.certificateLocation),
    key: readFileSync(files.endpoints.get(name)!.keyLocation),
  });
  let trust: tls.ConnectionOptions;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-tls-'));
    ours = await generateDevCertificates(path.join(dir, 'ours'), { nodeNames: ['broker-1'], clientNames: ['alice'] });
    theirs = await generateDevCertificates(path.join(dir, 'theirs'), { nodeNames: [], clientNames: ['mallory'] });
    trust = { ca: readFileSync(ours.caLocation), servername: 'localhost' };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (clientAuth: ClientAuth): Promise<tls.Server> => {
    const server = await serve(ours, clientAuth);
    servers.push(server);
    return server;
  };

  it('none: any client that trusts the CA is served, for 127.0.0.1 and localhost', async () => {
    const server = await start('none');
    expect(await talk(server, trust)).toBe('ok');
    expect(await talk(server, { ...trust, servername: '' })).toBe('ok');
    expect(await talk(server, { ca: readFileSync(theirs.caLocation) })).toMatch(/^error: (self-signed certificate in certificate chain|unable to get local issuer certificate)$/);
  });

  it('required: a client certificate of our CA is served; none, or one of another CA, is refused', async () => {
    const server = await start('required');
    expect(await talk(server, { ...trust, ...clientOf(ours, 'alice') })).toBe('ok');
    expect(await talk(server, trust)).not.toBe('ok');
    expect(await talk(server, { ...trust, ...clientOf(theirs, 'mallory') })).not.toBe('ok');
  });

  it('requested: a client without a certificate is served, one with a certificate of another CA is not', async () => {
    const server = await start('requested');
    expect(await talk(server, trust)).toBe('ok');
    expect(await talk(server, { ...trust, ...clientOf(ours, 'alice') })).toBe('ok');
    expect(await talk(server, { ...trust, ...clientOf(theirs, 'mallory') })).toBe('closed');
  });
});
