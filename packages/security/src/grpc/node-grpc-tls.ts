import { ServerCredentials, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { QuillError } from '@quill/proto';
import type { Logger } from 'pino';
import { loadTls } from '../load-tls.js';
import type { TlsConfig } from '../tls-config.js';
import { TlsReloader } from '../tls-reloader.js';
import { ReloadableServerCredentials, nodeChannelCredentials } from './grpc-credentials.js';

/** The security protocols whose transport is TLS (Kafka's names). */
const TLS_PROTOCOLS: ReadonlySet<string> = new Set(['SSL', 'SASL_SSL']);

/** What a node's gRPC server binds with and what it calls other nodes with. */
export interface NodeGrpcTls {
  /** Whether the port speaks TLS (SSL or SASL_SSL): then callers have certificate principals. */
  readonly secure: boolean;
  readonly serverCredentials: ServerCredentials;
  /** The credentials for a new channel to another node: the files in force when it is opened. */
  channelCredentials(): ChannelCredentials;
  close(): void;
}

export interface NodeGrpcTlsOptions {
  /** The port's security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  securityProtocol: string;
  ssl: TlsConfig | undefined;
  /** How long file changes settle before the files are read again. */
  reloadDebounceMs: number;
  logger: Logger;
}

const PLAINTEXT: NodeGrpcTls = {
  secure: false,
  serverCredentials: ServerCredentials.createInsecure(),
  channelCredentials: () => credentials.createInsecure(),
  close: () => undefined,
};

/**
 * Loads and checks a node's TLS files when its protocol is SSL or SASL_SSL, and keeps them in force
 * on the server as they change (SIGHUP or a file change). A protocol and ssl settings that
 * disagree are a config error, as on the Kafka listener.
 */
export async function startNodeGrpcTls(options: NodeGrpcTlsOptions): Promise<NodeGrpcTls> {
  const { securityProtocol, ssl } = options;
  if (!TLS_PROTOCOLS.has(securityProtocol)) {
    if (ssl !== undefined) throw new QuillError('INVALID_CONFIG', `The gRPC port has ssl settings but security protocol ${securityProtocol}; set it to SSL (or SASL_SSL) or leave the ssl settings out.`);
    return PLAINTEXT;
  }
  if (ssl === undefined) throw new QuillError('INVALID_CONFIG', `The gRPC port has security protocol ${securityProtocol} but no ssl.certificate.location and ssl.key.location.`);
  const loaded = await loadTls(ssl);
  const serverCredentials = new ReloadableServerCredentials(loaded);
  let channel = nodeChannelCredentials(loaded);
  const reloader = TlsReloader.start({
    loaded,
    debounceMs: options.reloadDebounceMs,
    logger: options.logger,
    apply: (next) => {
      serverCredentials.apply(next);
      channel = nodeChannelCredentials(next);
    },
  });
  return { secure: true, serverCredentials, channelCredentials: () => channel, close: () => reloader.close() };
}
