import net from 'node:net';
import { decodeResponse, encodeRequest } from '@quill/kafka-protocol';

/**
 * One Kafka request on its own connection to `address` (host:port), its decoded answer body.
 * For asserting on a single API's wire answer where a real client would hide it.
 */
export async function kafkaCall<Body>(address: string, apiKey: number, apiVersion: number, body: object): Promise<Body> {
  const colon = address.lastIndexOf(':');
  const socket = net.connect(Number(address.slice(colon + 1)), address.slice(0, colon));
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const frame = await new Promise<Buffer>((resolve, reject) => {
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) resolve(pending.subarray(4, 4 + pending.readInt32BE(0)));
      });
      socket.once('close', () => reject(new Error(`${address} closed the connection without an answer`)));
      socket.once('error', reject);
      socket.write(encodeRequest(apiKey, apiVersion, 1, 'kafka-call', body));
    });
    return decodeResponse(apiKey, apiVersion, frame).body as Body;
  } finally {
    socket.destroy();
  }
}
