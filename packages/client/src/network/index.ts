export {
  BrokerConnection,
  type BrokerConnectionOptions,
  type BrokerRequest,
  type BrokerResponse,
  type BrokerStreamedMethod,
  type BrokerUnaryMethod,
  type RequestOptions,
} from './connection.js';
export { fromGrpcError } from './grpc-errors.js';
export { ConnectionPool, type ConnectionPoolOptions } from './pool.js';
export { channelCredentialsOf, type Pem, type SslOptions } from './ssl-options.js';
export { DEFAULT_REAUTHENTICATION_THRESHOLD_MS, type SaslOptions } from './sasl-session.js';
