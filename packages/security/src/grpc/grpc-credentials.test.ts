import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server, ServerCredentials, credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createServiceClient, loadQuillPackage, type RaftClient, type RaftHandlers } from '@quill/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevCertificates, type DevCertificateFiles } from '../dev-certificates.js';
import { loadTls } from '../load-tls.js';
import type { ClientAuth } from '../tls-config.js';
import { ANONYMOUS_PRINCIPAL, clusterActionInterceptor } from './cluster-action-interceptor.js';
import { ReloadableServerCredentials, nodeChannelCredentials } from './grpc-credentials.js';

const DEADLINE_MS = 3000;

/** A Raft server answering TimeoutNow, guarded by the interceptor allowing `allowed` principals; it records who passed. */
async function startServer(creds: ServerCredentials, allowed: ReadonlySet<string>, passed: string[]): Promise<{ server: Server; address: string }> {
  const server = new Server({
    interceptors: [
      clusterActionInterceptor({
        allows: (principal) => {
          passed.push(principal);
          return allowed.has(principal);
        },
      }),
    ],
  });
  const handlers: Partial<RaftHandlers> = { TimeoutNow: (_call, callback) => callback(null, {}) };
  server.addService(loadQuillPackage().quill.v1.Raft.service, handlers as RaftHandlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, address: `localhost:${port}` };
}

function timeoutNow(address: string, channel: ChannelCredentials): Promise<void> {
  const client: RaftClient = createServiceClient('Raft', address, { credentials: channel });
  return new Promise<void>((resolve, reject) =>
    client.TimeoutNow({ clusterId: 'c', destinationId: 1 }, { deadline: Date.now() + DEADLINE_MS }, (error: ServiceError | null) => {
      client.close();
      if (error) reject(error);
      else resolve();
    }),
  ).finally(() => client.close());
}

describe('gRPC TLS credentials', () => {
  let dir: string;
  let ours: DevCertificateFiles;
  let theirs: DevCertificateFiles;
  const servers: Server[] = [];

  const loaded = (files: DevCertificateFiles, name: string, clientAuth: ClientAuth = 'required') => loadTls({ ...files.endpoints.get(name)!, caLocation: files.caLocation, clientAuth });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quill-grpc-tls-'));
    ours = await generateDevCertificates(path.join(dir, 'ours'), { nodeNames: ['node-1', 'node-2'], clientNames: ['alice'] });
    theirs = await generateDevCertificates(path.join(dir, 'theirs'), { nodeNames: ['node-1'], clientNames: [] });
  });

  afterAll(() => {
    for (const server of servers) server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a node whose certificate chains to the CA, and its principal is User:<CN>', async () => {
    const passed: string[] = [];
    const { server, address } = await startServer(new ReloadableServerCredentials(await loaded(ours, 'node-1')), new Set(['User:node-2']), passed);
    servers.push(server);
    await timeoutNow(address, nodeChannelCredentials(await loaded(ours, 'node-2')));
    expect(passed).toEqual(['User:node-2']);
  });

  it('refuses a node-only method to a verified principal without CLUSTER_ACTION, with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const { server, address } = await startServer(new ReloadableServerCredentials(await loaded(ours, 'node-1')), new Set(['User:node-2']), []);
    servers.push(server);
    const error = (await timeoutNow(address, nodeChannelCredentials(await loaded(ours, 'alice'))).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toMatch(/^CLUSTER_AUTHORIZATION_FAILED: User:alice may not call \/quill\.v1\.Raft\/TimeoutNow/);
  });

  it('under ssl.client.auth=required refuses a client without a certificate and one from another CA', async () => {
    const { server, address } = await startServer(new ReloadableServerCredentials(await loaded(ours, 'node-1')), new Set(['User:node-2']), []);
    servers.push(server);
    const caOnly = credentials.createSsl(Buffer.from(await readFile(ours.caLocation)));
    await expect(timeoutNow(address, caOnly)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    const foreign = await loaded(theirs, 'node-1');
    const foreignClient = credentials.createSsl(Buffer.from(await readFile(ours.caLocation)), Buffer.from(foreign.keyPem), Buffer.from(foreign.certificatePem));
    await expect(timeoutNow(address, foreignClient)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(timeoutNow(address, credentials.createInsecure())).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('refuses a node-only method to a client without a certificate even when the guard would allow ANONYMOUS', async () => {
    const passed: string[] = [];
    const { server, address } = await startServer(new ReloadableServerCredentials(await loaded(ours, 'node-1', 'none')), new Set([ANONYMOUS_PRINCIPAL]), passed);
    servers.push(server);
    const error = (await timeoutNow(address, credentials.createSsl(Buffer.from(await readFile(ours.caLocation)))).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toMatch(/^CLUSTER_AUTHORIZATION_FAILED: \/quill\.v1\.Raft\/TimeoutNow is for nodes and needs a verified client certificate/);
    expect(passed).toEqual([]);
  });

  it('puts reloaded files in force for new connections while it keeps serving', async () => {
    const creds = new ReloadableServerCredentials(await loaded(ours, 'node-1', 'none'));
    const { server, address } = await startServer(creds, new Set([ANONYMOUS_PRINCIPAL]), []);
    servers.push(server);
    const theirCa = credentials.createSsl(Buffer.from(await readFile(theirs.caLocation)));
    await expect(timeoutNow(address, theirCa)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    creds.apply(await loaded(theirs, 'node-1', 'none'));
    // The handshake passes now; the call reaches the guard, which refuses a caller without a certificate.
    await expect(timeoutNow(address, credentials.createSsl(Buffer.from(await readFile(theirs.caLocation))))).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  });
});
