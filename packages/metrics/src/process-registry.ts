import { Registry, collectDefaultMetrics } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's process metrics (CPU, memory, event-loop lag, GC) in a registry of their own,
 * created once per process: an in-process test cluster runs several nodes in one process, and
 * each node's /metrics shows the same process figures beside its own.
 */
export function sharedProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
