import pino from 'pino';
import { vi } from 'vitest';
import type { KafkaRequestContext } from '../handler-registry.js';
import type { KafkaServices } from '../kafka-services.js';

/** Services whose controller answers every call with `answer(method)`; the calls are recorded. */
export function adminServices(answer: (method: string) => object) {
  const call = vi.fn(async (method: string, _request: object, _options?: object) => answer(method));
  const deleteRecords = vi.fn((_topic: string, _partition: number, _offset: number, _timeoutMs: number): number => 0);
  const services = { broker: { controller: { call }, replicas: { deleteRecords }, logger: pino({ level: 'silent' }) }, groups: {} } as unknown as KafkaServices;
  return { services, call, deleteRecords };
}

/** The context of a request at `apiVersion`. */
export const requestAt = (apiKey: number, apiVersion: number): KafkaRequestContext => ({
  header: { apiKey, apiVersion, correlationId: 1, clientId: 'test', bodyOffset: 0 },
  clientAddress: '127.0.0.1:1',
  logger: pino({ level: 'silent' }),
});
