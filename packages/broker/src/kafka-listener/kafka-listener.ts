import net from 'node:net';
import tls from 'node:tls';
import type { Clock } from '@quill/clock';
import { QuillError } from '@quill/proto';
import { admitsPeer, secureContextOptions, tlsServerOptions, TlsReloader, type LoadedTls } from '@quill/security';
import type { Logger } from 'pino';
import { tlsPrincipal } from './authorization/tls-principal.js';
import { KafkaConnection, type ConnectionLimits } from './connection.js';
import type { Dispatcher, RequestProblem } from './dispatch.js';
import type { SaslSession } from './sasl/sasl-session.js';
import { WarningLimiter } from './warning-limiter.js';

export interface KafkaListenerOptions {
  host: string;
  /** 0 for a free port. */
  port: number;
  dispatcher: Dispatcher;
  limits: ConnectionLimits & {
    /** max.connections */
    maxConnections: number;
    /** One warning per client host and kind of problem per this interval. */
    warningIntervalMs: number;
  };
  /** TLS (security protocol SSL): the checked files, reloaded on SIGHUP or change; plaintext when absent. */
  tls?: { loaded: LoadedTls; reloadDebounceMs: number };
  /** SASL (security protocols SASL_PLAINTEXT, SASL_SSL): a session per connection, authenticated within the timeout. */
  sasl?: { newSession(): SaslSession; authenticationTimeoutMs: number };
  clock: Clock;
  logger: Logger;
}

/**
 * The Kafka wire-protocol TCP (or TLS) server of a broker: accepts connections up to a bound and
 * runs one KafkaConnection each.
 */
export class KafkaListener {
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly connections: Set<KafkaConnection>,
    private readonly tlsReloader: TlsReloader | undefined,
  ) {}

  static async start(options: KafkaListenerOptions): Promise<KafkaListener> {
    const { limits, logger } = options;
    const warnings = new WarningLimiter(options.clock, limits.warningIntervalMs);
    const warn = (problem: RequestProblem | { kind: string; message: string }, clientAddress: string): void => {
      const suppressed = warnings.allow(`${hostOf(clientAddress)} ${problem.kind}`);
      if (suppressed === undefined) return;
      const header = 'header' in problem && problem.header !== undefined ? problem.header : undefined;
      const error = 'error' in problem && problem.error !== undefined ? describeError(problem.error) : undefined;
      logger.warn(
        {
          client: clientAddress,
          ...(header === undefined ? {} : { apiKey: header.apiKey, apiVersion: header.apiVersion, clientId: header.clientId }),
          ...(error === undefined ? {} : { error }),
          ...(suppressed > 0 ? { suppressed } : {}),
        },
        `kafka listener: ${problem.message}`,
      );
    };
    const tlsOptions = options.tls;
    const server = tlsOptions === undefined ? net.createServer({ noDelay: true }) : tls.createServer({ ...tlsServerOptions(tlsOptions.loaded), noDelay: true });
    const connections = new Set<KafkaConnection>();
    // A TLS connection is served once its handshake is done; a plaintext client or an unknown
    // certificate fails the handshake and is closed by Node, with one warning here.
    server.on(tlsOptions === undefined ? 'connection' : 'secureConnection', (socket: net.Socket) => {
      const clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
      if (tlsOptions !== undefined && !admitsPeer(socket as tls.TLSSocket, tlsOptions.loaded)) {
        warn({ kind: 'tls-client-certificate', message: `client certificate refused (${(socket as tls.TLSSocket).authorizationError?.toString() ?? 'unverified'})` }, clientAddress);
        socket.on('error', () => undefined);
        socket.destroy();
        return;
      }
      if (connections.size >= limits.maxConnections) {
        warn({ kind: 'max-connections', message: `${limits.maxConnections} connections open (max.connections); new connection closed` }, clientAddress);
        socket.on('error', () => undefined);
        socket.destroy();
        return;
      }
      const peerPrincipal = tlsOptions === undefined ? undefined : tlsPrincipal(socket as tls.TLSSocket);
      connections.add(
        new KafkaConnection(socket, {
          dispatcher: options.dispatcher,
          ...(peerPrincipal === undefined ? {} : { tlsPrincipal: peerPrincipal }),
          ...(options.sasl === undefined ? {} : { sasl: { session: options.sasl.newSession(), authenticationTimeoutMs: options.sasl.authenticationTimeoutMs } }),
          limits,
          clock: options.clock,
          warn,
          onClosed: (connection) => connections.delete(connection),
        }),
      );
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', (error) => reject(new QuillError('INVALID_CONFIG', `cannot listen for Kafka clients on ${options.host}:${options.port}: ${error.message}`)));
      server.listen(options.port, options.host, () => resolve((server.address() as net.AddressInfo).port));
    });
    server.on('error', (error) => logger.warn({ error: error.message }, 'kafka listener: server error'));
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) =>
      warn({ kind: 'tls-handshake', message: `TLS handshake failed: ${error.message}` }, `${socket.remoteAddress}:${socket.remotePort}`),
    );
    const reloader =
      tlsOptions === undefined
        ? undefined
        : TlsReloader.start({ loaded: tlsOptions.loaded, apply: (next) => (server as tls.Server).setSecureContext(secureContextOptions(next)), debounceMs: tlsOptions.reloadDebounceMs, logger });
    return new KafkaListener(server, port, connections, reloader);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and closes every connection; resolves once the server is closed. */
  async close(): Promise<void> {
    this.tlsReloader?.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of [...this.connections]) connection.destroy();
    await closed;
  }
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
