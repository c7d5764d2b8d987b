/**
 * The simulated application: a hash chain over the applied entries. Two nodes that
 * applied the same entries in the same order hold the same hash, so comparing hashes
 * at an index compares whole applied histories. Snapshots carry (index, hash).
 */
import type { Entry } from '../core/types.js';

/** FNV-1a over the payload, distinguishing no-ops from empty normal entries. */
export function entryDigest(entry: Entry): number {
  let hash = entry.type === 'noop' ? 0x811c9dc5 : 0x01000193;
  const data = entry.data;
  for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ (data[i] as number), 0x01000193);
  return hash >>> 0;
}

/** The state after applying `entry` on top of `previous`. */
export function chainHash(previous: number, entry: Entry): number {
  let hash = mix(previous, entry.index);
  hash = mix(hash, entry.term);
  return mix(hash, entryDigest(entry));
}

function mix(hash: number, value: number): number {
  let h = Math.imul(hash ^ (value >>> 0), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

export interface StateMachineImage {
  readonly index: number;
  readonly hash: number;
}

export function encodeSnapshotData(image: StateMachineImage): Uint8Array {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setFloat64(0, image.index);
  view.setUint32(8, image.hash);
  return data;
}

export function decodeSnapshotData(data: Uint8Array): StateMachineImage {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { index: view.getFloat64(0), hash: view.getUint32(8) };
}

/** A client payload: a 32-bit proposal id. */
export function encodeProposal(id: number): Uint8Array {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, id);
  return data;
}

export function decodeProposal(entry: Entry): number | undefined {
  if (entry.type !== 'normal' || entry.data.byteLength !== 4) return undefined;
  return new DataView(entry.data.buffer, entry.data.byteOffset, 4).getUint32(0);
}
