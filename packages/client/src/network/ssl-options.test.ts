import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createServiceClient, loadQuillPackage, type RaftHandlers } from '@quill/proto';
import { ReloadableServerCredentials, generateDevCertificates, loadTls, type DevCertificateFiles } from '@quill/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelCredentialsOf } from './ssl-options.js';

const DEADLINE_MS = 3000;

/** A unary call over `channel` to `address`; resolves with the gRPC status code. */
function callStatus(address: string, channel: ChannelCredentials): Promise<number> {
  const client = createServiceClient('Raft', address, { credentials: channel });
  return new Promise<number>((resolve) =>
    client.TimeoutNow({ clusterId: 'c', destinationId: 1 }, { deadline: Date.now() + DEADLINE_MS }, (error: ServiceError | null) => {
      client.close();
      resolve(error === null ? status.OK : error.code);
    }),
  );
}

describe('channelCredentialsOf (the ssl option)', () => {
  let dir: string;
  let files: DevCertificateFiles;
  let server: Server;
  let address: string;
  let ca: string;
  const pem = async (name: string) => ({ cert: await readFile(files.endpoints.get(name)!.certificateLocation, 'utf8'), key: await readFile(files.endpoints.get(name)!.keyLocation, 'utf8') });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-ssl-option-'));
    files = await generateDevCertificates(dir, { nodeNames: ['broker-1'], clientNames: ['alice'] });
    ca = await readFile(files.caLocation, 'utf8');
    const loaded = await loadTls({ ...files.endpoints.get('broker-1')!, caLocation: files.caLocation, clientAuth: 'required' });
    server = new Server();
    const handlers: Partial<RaftHandlers> = { TimeoutNow: (_call, callback) => callback(null, {}) };
    server.addService(loadQuillPackage().quill.v1.Raft.service, handlers as RaftHandlers);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', new ReloadableServerCredentials(loaded), (e, p) => (e ? reject(e) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is plaintext for undefined and false', () => {
    expect(channelCredentialsOf(undefined)).toBeUndefined();
    expect(channelCredentialsOf(false)).toBeUndefined();
    expect(channelCredentialsOf(true)?._isSecure()).toBe(true);
  });

  it('connects with a CA and a client certificate given as PEM strings, one CA in a list', async () => {
    expect(await callStatus(address, channelCredentialsOf({ ca: [ca], ...(await pem('alice')) })!)).toBe(status.OK);
  });

  it('fails without the client certificate a broker requires, and against an unknown CA', async () => {
    expect(await callStatus(address, channelCredentialsOf({ ca })!)).toBe(status.UNAVAILABLE);
    expect(await callStatus(address, channelCredentialsOf({ ...(await pem('alice')) })!)).toBe(status.UNAVAILABLE);
  });

  it('checks the certificate against servername when given', async () => {
    expect(await callStatus(address, channelCredentialsOf({ ca, ...(await pem('alice')), servername: 'localhost' })!)).toBe(status.OK);
    expect(await callStatus(address, channelCredentialsOf({ ca, ...(await pem('alice')), servername: 'elsewhere.example' })!)).toBe(status.UNAVAILABLE);
  });

  it('refuses a certificate without its key', () => {
    expect(() => channelCredentialsOf({ cert: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('ssl.cert and ssl.key go together') }));
  });
});
