import { ApiKeys, type ApiVersionsRequest, type ApiVersionsResponse } from '@quill/kafka-protocol';
import type { KafkaHandler, KafkaHandlerRegistry } from '../handler-registry.js';

export const API_VERSIONS_KEY = ApiKeys.ApiVersions;
/** Kafka's error codes used here (the Kafka protocol's numbers, not Quill's ErrorCode values). */
const KAFKA_NONE = 0;
const KAFKA_UNSUPPORTED_VERSION = 35;

/**
 * ApiVersions: the APIs this broker serves (only those with a handler, so a client is never
 * promised one we cannot answer). A version above ours gets a v0 body with UNSUPPORTED_VERSION
 * and the ranges, so the client can retry at a version we know (KIP-511).
 */
export function apiVersionsHandler(registry: KafkaHandlerRegistry): KafkaHandler<ApiVersionsRequest> {
  const apiKeys = (): ApiVersionsResponse['apiKeys'] => registry.supported().map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
  return {
    apiKey: API_VERSIONS_KEY,
    handle: async (): Promise<ApiVersionsResponse> => ({ errorCode: KAFKA_NONE, apiKeys: apiKeys(), throttleTimeMs: 0 }),
    unsupportedVersionResponse: (header) => {
      const range = registry.range(API_VERSIONS_KEY);
      if (range === undefined || header.apiVersion <= range.maxVersion) return undefined;
      const body: ApiVersionsResponse = { errorCode: KAFKA_UNSUPPORTED_VERSION, apiKeys: apiKeys() };
      return { apiVersion: 0, body };
    },
  };
}
