import { corrupt } from './errors.js';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_BYTES = 16;

/** Kafka's all-zero uuid, which stands for "no id". */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** 16 bytes as the lowercase 8-4-4-4-12 text topic ids use (what crypto.randomUUID returns). */
export function uuidFromBytes(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The 16 bytes of a uuid in 8-4-4-4-12 text form (either case). */
export function uuidToBytes(text: string): Buffer {
  const lower = text.toLowerCase();
  if (!UUID_TEXT.test(lower)) throw corrupt(`not a uuid: ${JSON.stringify(text)}`);
  const bytes = Buffer.from(lower.replaceAll('-', ''), 'hex');
  if (bytes.length !== UUID_BYTES) throw corrupt(`not a uuid: ${JSON.stringify(text)}`);
  return bytes;
}
