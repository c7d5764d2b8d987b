import type { ChannelCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { BrokerConnection } from './connection.js';
import type { SaslOptions } from './sasl-session.js';

export interface ConnectionPoolOptions {
  clientId: string;
  logger: Logger;
  requestTimeoutMs: number;
  credentials?: ChannelCredentials;
  /** Authenticate with each broker (see BrokerConnectionOptions). */
  sasl?: SaslOptions;
  reauthenticationThresholdMs?: number;
  /** For tests only: `host:port` to dial in place of a broker's address (see QuillConfig). */
  addressOverrides?: Readonly<Record<string, string>>;
}

/** One connection per broker address, opened on first use and closed together. */
export class ConnectionPool {
  private readonly connections = new Map<string, BrokerConnection>();

  constructor(private readonly options: ConnectionPoolOptions) {}

  /** The open connection to `address`, created if there is none. */
  get(address: string): BrokerConnection {
    let connection = this.connections.get(address);
    if (!connection || !connection.isOpen) {
      const { addressOverrides, ...options } = this.options;
      connection = new BrokerConnection({ ...options, address: addressOverrides?.[address] ?? address });
      this.connections.set(address, connection);
    }
    return connection;
  }

  /** Addresses with a connection, for logs and tests. */
  addresses(): string[] {
    return [...this.connections.keys()];
  }

  /** Closes the connection to `address` (a broker that left the cluster). */
  close(address: string): void {
    this.connections.get(address)?.close();
    this.connections.delete(address);
  }

  /** Closes every connection; calls in flight fail with NETWORK_EXCEPTION. */
  closeAll(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
