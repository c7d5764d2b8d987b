import type { Random } from '@quill/random';
import type { FieldSchema, VersionRange } from '../schema-model.js';
import { uuidFromBytes } from '../uuid.js';

const MAX_SAMPLE_ARRAY = 3;
const MAX_SAMPLE_BYTES = 12;
const TEXT = 'abcxyzé€😀-_.0';

function inRange(range: VersionRange | null, version: number): boolean {
  return range !== null && version >= range.min && (range.max === null || version <= range.max);
}

/** Whether a field is on the wire at `version` (tagged fields only in flexible versions). */
export function fieldPresent(f: FieldSchema, version: number, flexible: boolean): boolean {
  return inRange(f.versions, version) && (f.tag === undefined || flexible);
}

function sampleString(random: Random): string {
  const n = random.int(0, 6);
  let s = '';
  for (let i = 0; i < n; i++) s += [...TEXT][random.int(0, [...TEXT].length - 1)];
  return s;
}

function sampleScalar(type: string, random: Random): unknown {
  switch (type) {
    case 'bool':
      return random.chance(0.5);
    case 'int8':
      return random.int(-128, 127);
    case 'int16':
      return random.int(-32768, 32767);
    case 'uint16':
      return random.int(0, 65535);
    case 'int32':
      return random.int(-2147483648, 2147483647);
    case 'int64':
      return BigInt.asIntN(64, (BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32()));
    case 'float64':
      return (random.next() - 0.5) * 1e12;
    case 'uuid':
      return uuidFromBytes(random.bytes(16));
    case 'string':
      return sampleString(random);
    case 'bytes':
    case 'records':
      return random.bytes(random.int(0, MAX_SAMPLE_BYTES));
    default:
      throw new Error(`no sample for type ${type}`);
  }
}

/** A random message with exactly the fields on the wire at `version`, for round-trip tests. */
export function sampleMessage(fields: FieldSchema[], version: number, flexible: boolean, random: Random): object {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!fieldPresent(f, version, flexible)) continue;
    if (inRange(f.nullable, version) && random.chance(0.2)) {
      out[f.name] = null;
      continue;
    }
    if (f.type.startsWith('[]')) {
      const n = random.int(0, MAX_SAMPLE_ARRAY);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) {
        items.push(f.fields ? sampleMessage(f.fields, version, flexible, random) : sampleScalar(f.type.slice(2), random));
      }
      out[f.name] = items;
    } else out[f.name] = sampleScalar(f.type, random);
  }
  return out;
}
