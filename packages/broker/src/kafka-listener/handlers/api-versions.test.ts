import { describe, expect, it } from 'vitest';
import { KafkaHandlerRegistry } from '../handler-registry.js';
import { API_VERSIONS_KEY, apiVersionsHandler } from './api-versions.js';

const versions = [
  { apiKey: 0, name: 'Produce', minVersion: 0, maxVersion: 9, flexibleFrom: 9 },
  { apiKey: 3, name: 'Metadata', minVersion: 0, maxVersion: 12, flexibleFrom: 9 },
  { apiKey: API_VERSIONS_KEY, name: 'ApiVersions', minVersion: 0, maxVersion: 3, flexibleFrom: 3 },
];
const header = (apiVersion: number) => ({ apiKey: API_VERSIONS_KEY, apiVersion, correlationId: 7, clientId: 'c', bodyOffset: 0 });

describe('ApiVersions', () => {
  const registry = new KafkaHandlerRegistry(versions);
  const handler = apiVersionsHandler(registry);
  registry.register(handler).register({ apiKey: 3, minVersion: 1, handle: async () => ({}) });

  it('advertises only the APIs with a handler, narrowed to the handler range', async () => {
    const body = await handler.handle({}, { header: header(3), clientAddress: 'x:1', logger: undefined as never });
    expect(body).toEqual({
      errorCode: 0,
      throttleTimeMs: 0,
      apiKeys: [
        { apiKey: 3, minVersion: 1, maxVersion: 12 },
        { apiKey: API_VERSIONS_KEY, minVersion: 0, maxVersion: 3 },
      ],
    });
  });

  it('answers a version above ours with a v0 body, UNSUPPORTED_VERSION and the ranges', () => {
    const answer = handler.unsupportedVersionResponse!(header(4));
    expect(answer?.apiVersion).toBe(0);
    expect(answer?.body).toMatchObject({ errorCode: 35, apiKeys: [{ apiKey: 3 }, { apiKey: API_VERSIONS_KEY }] });
  });

  it('refuses to register an API the codec has no schema for, or one twice', () => {
    expect(() => registry.register({ apiKey: 99, handle: async () => ({}) })).toThrow(/no schema/);
    expect(() => registry.register({ apiKey: 3, handle: async () => ({}) })).toThrow(/twice/);
  });
});
