import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { SESSION_TOKEN_METADATA_KEY, loadQuillPackage, type AuthenticateResponse__Output, type BrokerClient } from '@quill/proto';
import { createScramClient } from '@quill/security';

/** Every method of the Broker service as the proto files define it. */
export function brokerServiceMethods(): string[] {
  return Object.keys((loadQuillPackage().quill.v1.Broker as unknown as { service: Record<string, unknown> }).service);
}

/** Whether the method streams requests and answers (ProduceStream, FetchStream). */
function isStream(method: string): boolean {
  const definition = (loadQuillPackage().quill.v1.Broker as unknown as { service: Record<string, { requestStream: boolean }> }).service[method];
  return definition?.requestStream === true;
}

type UnaryCall = (request: object, metadata: Metadata, callback: (error: ServiceError | null, response?: object) => void) => void;
type StreamCall = (metadata: Metadata) => ClientDuplexStream<object, object>;

/**
 * One call of `method` with `token` (a session token, or none) as call metadata: its answer, the
 * first answer of a stream method.
 */
export async function callBroker(client: BrokerClient, method: string, request: object, token: string | undefined): Promise<object> {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set(SESSION_TOKEN_METADATA_KEY, token);
  const target = (client as unknown as Record<string, UnaryCall | StreamCall>)[method];
  if (target === undefined) throw new Error(`the Broker client has no method ${method}`);
  if (!isStream(method)) {
    return new Promise((resolve, reject) => (target as UnaryCall).call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response!))));
  }
  const stream = (target as StreamCall).call(client, metadata);
  try {
    return await new Promise<object>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
      stream.write(request);
    });
  } finally {
    stream.cancel();
  }
}

/** A SCRAM-SHA-512 exchange over the Authenticate RPC: the session token, or the refusal's error code. */
export async function authenticateBroker(client: BrokerClient, username: string, password: string): Promise<{ token: string } | { errorCode: string }> {
  const scram = createScramClient({ mechanism: 'SCRAM-SHA-512', user: username, password });
  const first = (await callBroker(client, 'Authenticate', { mechanism: 'SCRAM-SHA-512', saslBytes: scram.first() }, undefined)) as AuthenticateResponse__Output;
  if (first.error !== null && first.error.code !== 'NONE') return { errorCode: first.error.code };
  const last = (await callBroker(client, 'Authenticate', { mechanism: 'SCRAM-SHA-512', saslBytes: scram.final(first.saslBytes), handshakeHandle: first.handshakeHandle }, undefined)) as AuthenticateResponse__Output;
  if (last.error !== null && last.error.code !== 'NONE') return { errorCode: last.error.code };
  scram.verify(last.saslBytes);
  return { token: last.sessionToken };
}
