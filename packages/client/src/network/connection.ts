import * as grpc from '@grpc/grpc-js';
import {
  CLIENT_ID_METADATA_KEY,
  ErrorCode,
  SESSION_TOKEN_METADATA_KEY,
  QuillError,
  createServiceClient,
  errorFromResponse,
  type BidiStreamingMethods,
  type BrokerClient,
  type BrokerHandlers,
  type Error__Output,
  type UnaryMethods,
} from '@quill/proto';
import type { Logger } from 'pino';
import { fromGrpcError } from './grpc-errors.js';
import { RequestStream } from './request-stream.js';
import { DEFAULT_REAUTHENTICATION_THRESHOLD_MS, SaslSessionToken, authenticate, type SaslOptions } from './sasl-session.js';

/** The unary RPCs of the Broker service, read off the generated handlers (the streams are in `BrokerStreamedMethod`). */
export type BrokerUnaryMethod = UnaryMethods<BrokerHandlers>;

// The last overload of each generated method is `(argument, callback)`: read both types off it.
type UnarySignature<M extends BrokerUnaryMethod> = Parameters<BrokerClient[M]>;
/** The request message of a Broker RPC, e.g. `BrokerRequest<'Produce'>` is `ProduceRequest`. */
export type BrokerRequest<M extends BrokerUnaryMethod> = UnarySignature<M>[0];
/** The decoded response of a Broker RPC, e.g. `BrokerResponse<'Produce'>` is `ProduceResponse__Output`. */
export type BrokerResponse<M extends BrokerUnaryMethod> =
  UnarySignature<M>[1] extends grpc.requestCallback<infer R> ? R : never;

/** Unary RPCs that also have a stream twin (`ProduceStream`, `FetchStream`) with the same messages. */
export type BrokerStreamedMethod = {
  [M in BrokerUnaryMethod]: `${M}Stream` extends BidiStreamingMethods<BrokerHandlers> ? M : never;
}[BrokerUnaryMethod];

type UntypedUnary = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

/** Per-call options. */
export interface RequestOptions {
  /** The call's deadline, from now; defaults to the connection's `requestTimeoutMs`. */
  timeoutMs?: number;
  /** Cancels the call (it then fails with a retriable NETWORK_EXCEPTION). */
  signal?: AbortSignal;
}

export interface BrokerConnectionOptions {
  /** `host:port` of the broker's client listener. */
  address: string;
  clientId: string;
  logger: Logger;
  /** Default deadline of a call, in ms. */
  requestTimeoutMs: number;
  /** Defaults to plaintext. */
  credentials?: grpc.ChannelCredentials;
  /** Authenticate with the broker (its Authenticate RPC) before the first call, and send the session token with every call. */
  sasl?: SaslOptions;
  /** Authenticate again this long before the session ends (KafkaJS's reauthenticationThreshold). */
  reauthenticationThresholdMs?: number;
}

/**
 * Reconnect quickly to a broker that restarts: grpc-js's default backoff grows to two minutes,
 * during which every call to that address fails at once.
 */
const RECONNECT_BACKOFF_INITIAL_MS = 100;
const RECONNECT_BACKOFF_MAX_MS = 5_000;

/**
 * One gRPC channel to one broker address. Calls are promises with a deadline; transport
 * failures come back as retriable QuillErrors (see `fromGrpcError`).
 */
export class BrokerConnection {
  readonly address: string;
  private readonly client: BrokerClient;
  private readonly metadata: grpc.Metadata;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly inFlight = new Set<grpc.ClientUnaryCall>();
  private readonly streams = new Map<BrokerStreamedMethod, RequestStream<unknown, unknown>>();
  private readonly sasl: SaslSessionToken | undefined;
  /** The session token each open stream was opened with (a stream carries the metadata of its opening). */
  private readonly streamTokens = new Map<BrokerStreamedMethod, string>();
  /** Streams replaced for a new session token, still answering what was sent on them. */
  private readonly drainingStreams = new Set<RequestStream<unknown, unknown>>();
  private closed = false;

  constructor(options: BrokerConnectionOptions) {
    this.address = options.address;
    this.logger = options.logger.child({ broker: options.address });
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.metadata = new grpc.Metadata();
    this.metadata.set(CLIENT_ID_METADATA_KEY, options.clientId);
    this.client = createServiceClient('Broker', options.address, {
      ...(options.credentials ? { credentials: options.credentials } : {}),
      channelOptions: {
        'grpc.initial_reconnect_backoff_ms': RECONNECT_BACKOFF_INITIAL_MS,
        'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MAX_MS,
      },
    });
    const sasl = options.sasl;
    this.sasl =
      sasl === undefined
        ? undefined
        : new SaslSessionToken(() => authenticate((request) => this.call('Authenticate', request, {}, this.metadata), sasl), options.reauthenticationThresholdMs ?? DEFAULT_REAUTHENTICATION_THRESHOLD_MS);
  }

  /** The call metadata with a current session token, when the connection authenticates. */
  private metadataWith(token: string): grpc.Metadata {
    const metadata = this.metadata.clone();
    metadata.set(SESSION_TOKEN_METADATA_KEY, token);
    return metadata;
  }

  /** False once `close()` was called. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Calls `method` and resolves with its response. Rejects with a QuillError: the response's
   * request-level `error` when set, else the mapped transport failure.
   */
  async request<M extends BrokerUnaryMethod>(
    method: M,
    request: BrokerRequest<M>,
    options: RequestOptions = {},
  ): Promise<BrokerResponse<M>> {
    const response = await this.unary(method, request, options);
    const failure = errorFromResponse((response as { error?: Error__Output | null }).error);
    if (failure) throw failure;
    return response;
  }

  /**
   * Calls `method` and resolves with the raw response, without looking at its `error` field.
   * With SASL, after authenticating; a token the broker no longer knows (it restarted) is
   * replaced and the call made once more.
   */
  async unary<M extends BrokerUnaryMethod>(method: M, request: BrokerRequest<M>, options: RequestOptions = {}): Promise<BrokerResponse<M>> {
    const sasl = this.sasl;
    if (sasl === undefined) return this.call(method, request, options, this.metadata);
    const token = await sasl.current();
    const response = await this.call(method, request, options, this.metadataWith(token));
    if (!refusedToken(response)) return response;
    sasl.invalidate(token);
    return this.call(method, request, options, this.metadataWith(await sasl.current()));
  }

  private call<M extends BrokerUnaryMethod>(method: M, request: BrokerRequest<M>, options: RequestOptions, metadata: grpc.Metadata): Promise<BrokerResponse<M>> {
    if (this.closed) {
      return Promise.reject(new QuillError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.address} is closed`));
    }
    if (options.signal?.aborted) {
      return Promise.reject(new QuillError(ErrorCode.NETWORK_EXCEPTION, `${method} to ${this.address} was cancelled`));
    }
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const fn = this.client[method] as unknown as UntypedUnary;
    return new Promise<BrokerResponse<M>>((resolve, reject) => {
      const onAbort = (): void => call.cancel();
      const call = fn.call(
        this.client,
        request,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          this.inFlight.delete(call);
          options.signal?.removeEventListener('abort', onAbort);
          if (error) {
            const mapped = fromGrpcError(error, this.address, method);
            this.logger.debug({ method, code: mapped.code, err: error.details }, 'request failed');
            reject(mapped);
          } else {
            resolve(response as BrokerResponse<M>);
          }
        },
      );
      this.inFlight.add(call);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * As `request`, but on the method's long-lived stream (`ProduceStream`, `FetchStream`) on this
   * channel, opened on first use: the data path's many small requests cost a message each
   * instead of a call each. Requests are answered in order; see RequestStream for failures.
   */
  async streamRequest<M extends BrokerStreamedMethod>(
    method: M,
    request: BrokerRequest<M>,
    options: RequestOptions = {},
  ): Promise<BrokerResponse<M>> {
    if (this.closed) throw new QuillError(ErrorCode.NETWORK_EXCEPTION, `connection to ${this.address} is closed`);
    const send = async (): Promise<{ response: BrokerResponse<M>; token: string | undefined }> => {
      const token = await this.sasl?.current();
      const response = (await this.streamFor(method, token).request(request, {
        timeoutMs: options.timeoutMs ?? this.requestTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      })) as BrokerResponse<M>;
      return { response, token };
    };
    let { response, token } = await send();
    if (token !== undefined && refusedToken(response)) {
      this.sasl?.invalidate(token);
      ({ response } = await send());
    }
    const failure = errorFromResponse((response as { error?: Error__Output | null }).error);
    if (failure) throw failure;
    return response;
  }

  /**
   * The method's stream, opened anew when the session token changed since it was opened; the old
   * one is drained rather than closed, so the requests on it (a produce that must not be sent
   * twice, a long poll) get their answers.
   */
  private streamFor(method: BrokerStreamedMethod, token: string | undefined): RequestStream<unknown, unknown> {
    let stream = this.streams.get(method);
    if (stream !== undefined && token !== undefined && this.streamTokens.get(method) !== token) {
      const old = stream;
      this.drainingStreams.add(old);
      void old.drain().then(() => this.drainingStreams.delete(old));
      stream = undefined;
    }
    if (stream === undefined) {
      const streamMethod = `${method}Stream` as const;
      const openStream = this.client[streamMethod] as unknown as (metadata: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown>;
      const metadata = this.metadata.clone();
      if (token !== undefined) {
        metadata.set(SESSION_TOKEN_METADATA_KEY, token);
        this.streamTokens.set(method, token);
      }
      const open = (): grpc.ClientDuplexStream<unknown, unknown> => openStream.call(this.client, metadata);
      stream = new RequestStream<unknown, unknown>(open, { method: streamMethod, address: this.address });
      this.streams.set(method, stream);
    }
    return stream;
  }

  /** Cancels the calls in flight (they fail with NETWORK_EXCEPTION) and closes the channel. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.inFlight) call.cancel();
    this.inFlight.clear();
    for (const stream of [...this.streams.values(), ...this.drainingStreams]) stream.close();
    this.streams.clear();
    this.drainingStreams.clear();
    this.client.close();
  }
}

/** Whether a broker answered that the call's session token is not (or no longer) valid. */
function refusedToken(response: unknown): boolean {
  return (response as { error?: Error__Output | null }).error?.code === 'SASL_AUTHENTICATION_FAILED';
}
