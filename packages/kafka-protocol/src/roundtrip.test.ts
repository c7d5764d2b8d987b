import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, readRequestHeader } from './codec.js';
import { API_SCHEMAS } from './gen/schema-data.js';
import { sampleMessage } from './test-support/sample-message.js';

const SAMPLES_PER_VERSION = 20;

describe('every API round-trips at every version', () => {
  const seed = seedFromEnv(16_001);
  for (const api of API_SCHEMAS) {
    it(`${api.name} (${api.versions.min}-${api.versions.max ?? ''})`, () => {
      const random = new SeededRandom(seed);
      for (let version = api.versions.min; version <= (api.versions.max ?? api.versions.min); version++) {
        const flexible = api.flexible !== null && version >= api.flexible.min;
        for (let i = 0; i < SAMPLES_PER_VERSION; i++) {
          const where = `${api.name} v${version} sample ${i} (seed ${seed})`;
          const request = sampleMessage(api.request, version, flexible, random);
          const requestFrame = encodeRequest(api.key, version, i, 'client', request).subarray(4);
          const header = readRequestHeader(requestFrame);
          expect(header, where).toMatchObject({ apiKey: api.key, apiVersion: version, correlationId: i });
          expect(decodeRequest(api.key, version, requestFrame, header.bodyOffset), where).toEqual(request);

          const response = sampleMessage(api.response, version, flexible, random);
          const responseFrame = encodeResponse(api.key, version, i, response);
          expect(responseFrame.readInt32BE(0), where).toBe(responseFrame.length - 4);
          expect(decodeResponse(api.key, version, responseFrame.subarray(4)), where).toEqual({ correlationId: i, body: response });
        }
      }
    });
  }
});
