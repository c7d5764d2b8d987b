import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

const HEALTH_CHECK_DEADLINE_MS = 5_000;

type HealthClient = InstanceType<ServiceClientConstructor> & {
  Check(request: { service: string }, options: { deadline: number }, callback: (error: Error | null, response?: { status: string }) => void): void;
};

/** Asks grpc.health.v1 Check at `address` for `service` ('' for the whole server); resolves with the status name. */
export async function grpcHealthStatus(address: string, service = ''): Promise<string> {
  const definition = loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String })) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  const client = new definition.grpc.health.v1.Health(address, credentials.createInsecure()) as HealthClient;
  try {
    return await new Promise<string>((resolve, reject) =>
      client.Check({ service }, { deadline: Date.now() + HEALTH_CHECK_DEADLINE_MS }, (error, response) => (error ? reject(error) : resolve(response!.status))),
    );
  } finally {
    client.close();
  }
}
