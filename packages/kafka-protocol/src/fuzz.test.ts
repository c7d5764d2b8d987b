import type { Random } from '@quill/random';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, readRequestHeader } from './codec.js';
import { KafkaProtocolError } from './errors.js';
import { API_SCHEMAS } from './gen/schema-data.js';
import { sampleMessage } from './test-support/sample-message.js';

const FRAMES = 100_000;
const SEEDS_PER_VERSION = 4;
const MAX_RANDOM_FRAME = 64;

interface Valid {
  apiKey: number;
  version: number;
  request: Buffer;
  response: Buffer;
}

function validFrames(random: Random): Valid[] {
  const out: Valid[] = [];
  for (const api of API_SCHEMAS) {
    for (let version = api.versions.min; version <= (api.versions.max ?? api.versions.min); version++) {
      const flexible = api.flexible !== null && version >= api.flexible.min;
      for (let i = 0; i < SEEDS_PER_VERSION; i++) {
        out.push({
          apiKey: api.key,
          version,
          request: encodeRequest(api.key, version, i, 'fuzz', sampleMessage(api.request, version, flexible, random)).subarray(4),
          response: encodeResponse(api.key, version, i, sampleMessage(api.response, version, flexible, random)).subarray(4),
        });
      }
    }
  }
  return out;
}

/** A copy of `frame` with a few bytes flipped, truncated, or with random bytes spliced in. */
function mutate(frame: Buffer, random: Random): Buffer {
  const copy = Buffer.from(frame);
  switch (random.int(0, 3)) {
    case 0: {
      const flips = random.int(1, 4);
      for (let i = 0; i < flips && copy.length > 0; i++) copy[random.int(0, copy.length - 1)] = random.int(0, 255);
      return copy;
    }
    case 1:
      return copy.subarray(0, random.int(0, copy.length));
    case 2: {
      const at = random.int(0, copy.length);
      return Buffer.concat([copy.subarray(0, at), random.bytes(random.int(1, 8)), copy.subarray(at)]);
    }
    default: {
      // Lengths and counts are where decoders go wrong: write an extreme one somewhere.
      if (copy.length >= 4) copy.writeInt32BE(random.pick([-2, -1, 0x7fffffff, 0x10000, 1 << 30]), random.int(0, copy.length - 4));
      return copy;
    }
  }
}

function decodeAsBroker(frame: Buffer): void {
  const header = readRequestHeader(frame);
  decodeRequest(header.apiKey, header.apiVersion, frame, header.bodyOffset);
}

describe('decoder fuzz', () => {
  it(`${FRAMES} mutated and random frames throw nothing but KafkaProtocolError`, () => {
    const seed = seedFromEnv(16_002);
    const random = new SeededRandom(seed);
    const valid = validFrames(random);
    const started = Date.now();
    let rejected = 0;
    for (let n = 0; n < FRAMES; n++) {
      const base = random.pick(valid);
      const randomFrame = random.chance(0.1);
      const frame = randomFrame ? random.bytes(random.int(0, MAX_RANDOM_FRAME)) : mutate(random.chance(0.5) ? base.request : base.response, random);
      try {
        if (randomFrame || random.chance(0.5)) decodeAsBroker(frame);
        else decodeResponse(base.apiKey, base.version, frame);
      } catch (e) {
        if (!(e instanceof KafkaProtocolError)) {
          throw new Error(`frame ${n} (seed ${seed}, QUILL_SEED=${seed} to reproduce) threw ${String(e)}: ${frame.toString('hex')}`, { cause: e });
        }
        rejected++;
      }
    }
    // Most mutations must be caught, or the mutator is not reaching the decoders.
    expect(rejected, `seed ${seed}`).toBeGreaterThan(FRAMES / 4);
    expect(Date.now() - started, `seed ${seed}`).toBeLessThan(20_000);
  });
});
