import type { Clock, Timer } from '@quill/clock';
import { HealthImplementation } from 'grpc-health-check';
import type { Readiness } from './readiness.js';

/** How often the gRPC health status is brought in line with the node's readiness. */
export const GRPC_HEALTH_REFRESH_MS = 250;

type HealthServer = Parameters<HealthImplementation['addToServer']>[0];

/** grpc.health.v1 on a node's gRPC server, running until `stop`. */
export interface GrpcHealth {
  /** Sets the status from the readiness now (also done every GRPC_HEALTH_REFRESH_MS). */
  refresh(): void;
  stop(): void;
}

/**
 * Adds grpc.health.v1 (the grpc-js team's implementation) to `server`: the overall service ('')
 * and each of `services` answer SERVING while the node is ready, NOT_SERVING otherwise.
 */
export function addGrpcHealth(server: HealthServer, services: readonly string[], readiness: () => Readiness, clock: Clock): GrpcHealth {
  const names = ['', ...services];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, 'NOT_SERVING' as const])));
  health.addToServer(server);
  let last: boolean | undefined;
  const refresh = (): void => {
    const ready = readiness().ready;
    if (ready === last) return;
    last = ready;
    for (const name of names) health.setStatus(name, ready ? 'SERVING' : 'NOT_SERVING');
  };
  const timer: Timer = clock.setInterval(refresh, GRPC_HEALTH_REFRESH_MS);
  return { refresh, stop: () => timer.cancel() };
}
