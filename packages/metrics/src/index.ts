export { Counter, Gauge, Histogram, Registry } from 'prom-client';
export { renderMetrics, startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { sharedProcessRegistry } from './process-registry.js';
export { READY, combinedReadiness, notReady, type Readiness } from './readiness.js';
export { GRPC_HEALTH_REFRESH_MS, addGrpcHealth, type GrpcHealth } from './grpc-health.js';
export { grpcConnectionCounter } from './grpc-connections.js';
