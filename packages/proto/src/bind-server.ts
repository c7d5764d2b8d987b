import type { Server, ServerCredentials } from '@grpc/grpc-js';
import { QuillError } from './errors.js';

/** Binds `server` to host:port (port 0: any free one) and resolves the bound port; a port it cannot take is INVALID_CONFIG. */
export function bindServer(server: Server, listen: { host: string; port: number }, credentials: ServerCredentials): Promise<number> {
  const address = `${listen.host}:${listen.port}`;
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(new QuillError('INVALID_CONFIG', `cannot listen on ${address}: ${error.message}`)) : resolve(bound))),
  );
}
