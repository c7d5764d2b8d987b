import net from 'node:net';
import { ApiKeys, decodeResponse, encodeRequest, type SaslAuthenticateResponse } from '@quill/kafka-protocol';
import { createScramClient } from '@quill/security';

/** A SCRAM-SHA-512 user's credentials for a SASL_PLAINTEXT Kafka listener. */
export interface KafkaScramUser {
  username: string;
  password: string;
}

/**
 * What one Kafka request got: its decoded answer; `closed` when the broker closed the connection
 * instead (a request before authentication); `authentication-failed` with SaslAuthenticate's code
 * when the SASL exchange was refused.
 */
export type KafkaCallOutcome = { kind: 'answer'; body: object } | { kind: 'closed' } | { kind: 'authentication-failed'; errorCode: number };

const SASL_HANDSHAKE_VERSION = 1;
const SASL_AUTHENTICATE_VERSION = 2;

/** One connection's request/answer exchange, one request at a time. */
class FramedSocket {
  private pending = Buffer.alloc(0);
  private waiter: ((frame: Buffer | undefined) => void) | undefined;
  private closed = false;
  private correlationId = 0;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.deliver();
    });
    socket.on('close', () => {
      this.closed = true;
      this.deliver();
    });
    socket.on('error', () => socket.destroy());
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    if (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
      const frame = this.pending.subarray(4, 4 + this.pending.readInt32BE(0));
      this.pending = this.pending.subarray(4 + frame.length);
      this.waiter = undefined;
      waiter(frame);
    } else if (this.closed) {
      this.waiter = undefined;
      waiter(undefined);
    }
  }

  /** The decoded answer body, or undefined when the connection closed first. */
  async call<Body>(apiKey: number, apiVersion: number, body: object): Promise<Body | undefined> {
    const frame = new Promise<Buffer | undefined>((resolve) => {
      this.waiter = resolve;
    });
    if (!this.closed) this.socket.write(encodeRequest(apiKey, apiVersion, ++this.correlationId, 'authorization-matrix', body));
    this.deliver();
    const answer = await frame;
    return answer === undefined ? undefined : (decodeResponse(apiKey, apiVersion, answer).body as Body);
  }
}

/**
 * One Kafka request on its own connection to `address` (host:port): after a SCRAM-SHA-512
 * exchange as `user` when given, else straight away (refused by a SASL listener).
 */
export async function kafkaSaslCall(address: string, user: KafkaScramUser | undefined, apiKey: number, apiVersion: number, body: object): Promise<KafkaCallOutcome> {
  const colon = address.lastIndexOf(':');
  const socket = net.connect(Number(address.slice(colon + 1)), address.slice(0, colon));
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new FramedSocket(socket);
    if (user !== undefined) {
      const handshake = await connection.call<{ errorCode: number }>(ApiKeys.SaslHandshake, SASL_HANDSHAKE_VERSION, { mechanism: 'SCRAM-SHA-512' });
      if (handshake === undefined) return { kind: 'closed' };
      if (handshake.errorCode !== 0) return { kind: 'authentication-failed', errorCode: handshake.errorCode };
      const scram = createScramClient({ mechanism: 'SCRAM-SHA-512', user: user.username, password: user.password });
      const first = await connection.call<SaslAuthenticateResponse>(ApiKeys.SaslAuthenticate, SASL_AUTHENTICATE_VERSION, { authBytes: scram.first() });
      if (first === undefined) return { kind: 'closed' };
      if (first.errorCode !== 0) return { kind: 'authentication-failed', errorCode: first.errorCode };
      const final = await connection.call<SaslAuthenticateResponse>(ApiKeys.SaslAuthenticate, SASL_AUTHENTICATE_VERSION, { authBytes: scram.final(first.authBytes) });
      if (final === undefined) return { kind: 'closed' };
      if (final.errorCode !== 0) return { kind: 'authentication-failed', errorCode: final.errorCode };
      scram.verify(final.authBytes);
    }
    const answer = await connection.call<object>(apiKey, apiVersion, body);
    return answer === undefined ? { kind: 'closed' } : { kind: 'answer', body: answer };
  } finally {
    socket.destroy();
  }
}
