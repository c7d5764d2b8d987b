import { status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import {
  QuillError,
  createServiceClient,
  type ControllerClient as GrpcControllerClient,
  type ControllerHandlers,
  type LeaderHint__Output,
  type UnaryMethods,
} from '@quill/proto';

export interface ControllerClientOptions {
  /** host:port of every controller (any subset works; the leader hint finds the rest). */
  controllers: readonly string[];
  /** Give up on a call after this long (elections included). */
  timeoutMs?: number;
  /** Deadline of one attempt. */
  attemptTimeoutMs?: number;
  /** Pause before retrying after NOT_CONTROLLER without a usable hint, or an unreachable node. */
  retryBackoffMs?: number;
  /**
   * For tests only: the address to dial for controller id N when a leader hint names it, in place
   * of the hint's host:port (a fault-injecting proxy gives each caller its own port per controller).
   */
  leaderAddressOverrides?: Readonly<Record<number, string>>;
  /** The credentials of each new channel (TLS with the node's certificate on a secure cluster; default plaintext). */
  credentials?: () => ChannelCredentials;
}

/** Every Controller RPC answers with an optional `error` and `leaderHint`. */
interface ControllerAnswer {
  error?: { code: string; message: string } | null;
  leaderHint?: LeaderHint__Output | null;
}

/** The Controller service's unary methods (FetchMetadata streams and is used through `client()`). */
export type UnaryMethod = UnaryMethods<ControllerHandlers>;

/**
 * Calls the active controller: tries the last known leader, follows NOT_CONTROLLER leader hints,
 * and retries through elections and unreachable nodes until `timeoutMs`. Answers that carry any
 * other error are returned as they are: the caller decides what they mean.
 */
export class ControllerClient {
  private readonly clients = new Map<string, GrpcControllerClient>();
  private leaderAddress: string | undefined;
  private readonly leaderListeners = new Set<(address: string) => void>();
  private next = 0;
  /** Set by close(): calls still retrying give up instead of opening new channels. */
  private closed = false;
  private readonly timeoutMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly retryBackoffMs: number;

  constructor(private readonly options: ControllerClientOptions) {
    if (options.controllers.length === 0) throw new RangeError('at least one controller address is needed');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 2_000;
    this.retryBackoffMs = options.retryBackoffMs ?? 50;
  }

  /** The controller believed active now, if any. */
  get activeController(): string | undefined {
    return this.leaderAddress;
  }

  /**
   * `options.attemptTimeoutMs` and `options.timeoutMs` override the client's for this call (a
   * heartbeat must move on sooner than an admin call).
   */
  async call<R extends ControllerAnswer>(method: UnaryMethod, request: object, options: { attemptTimeoutMs?: number; timeoutMs?: number } = {}): Promise<R> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const attemptTimeoutMs = options.attemptTimeoutMs ?? this.attemptTimeoutMs;
    let lastProblem = 'no controller answered';
    while (!this.closed && Date.now() < deadline) {
      const address = this.leaderAddress ?? this.options.controllers[this.next++ % this.options.controllers.length]!;
      let response: R;
      try {
        response = await this.attempt<R>(address, method, request, attemptTimeoutMs);
      } catch (error) {
        // The authorizer refuses this node at every controller alike: trying the others cannot help.
        if ((error as Partial<ServiceError>).code === status.PERMISSION_DENIED) {
          throw new QuillError('CLUSTER_AUTHORIZATION_FAILED', `${method} refused by ${address}: ${(error as ServiceError).details}`);
        }
        lastProblem = `${address}: ${(error as Error).message}`;
        this.setLeader(undefined);
        await sleep(this.retryBackoffMs);
        continue;
      }
      if (response.error?.code !== 'NOT_CONTROLLER') {
        this.setLeader(address);
        return response;
      }
      lastProblem = response.error.message;
      const hinted = this.hintedAddress(response.leaderHint);
      this.setLeader(hinted === address ? undefined : hinted);
      if (this.leaderAddress === undefined) {
        await sleep(this.retryBackoffMs);
      }
    }
    if (this.closed) throw new QuillError('NOT_CONTROLLER', `The controller client was closed during ${method}.`);
    throw new QuillError('NOT_CONTROLLER', `No active controller within ${timeoutMs} ms (${lastProblem}).`);
  }

  /**
   * Takes a NOT_CONTROLLER leader hint received elsewhere (a refused metadata stream) as the
   * controller believed active; returns its address, or undefined when the hint names none.
   */
  followHint(hint: LeaderHint__Output | null | undefined): string | undefined {
    const address = this.hintedAddress(hint);
    if (address !== undefined) this.setLeader(address);
    return address;
  }

  /** `address` stopped answering (a silent metadata stream): stop believing it is active. */
  forget(address: string): void {
    if (this.leaderAddress === address) this.setLeader(undefined);
  }

  /** Calls `listener` whenever the client comes to believe another controller is active; returns an unsubscribe. */
  onActiveControllerChange(listener: (address: string) => void): () => void {
    this.leaderListeners.add(listener);
    return () => void this.leaderListeners.delete(listener);
  }

  private setLeader(address: string | undefined): void {
    const changed = address !== undefined && address !== this.leaderAddress;
    this.leaderAddress = address;
    if (changed) for (const listener of [...this.leaderListeners]) listener(address);
  }

  private hintedAddress(hint: LeaderHint__Output | null | undefined): string | undefined {
    if (hint === null || hint === undefined || hint.leaderId <= 0 || hint.host === '') return undefined;
    return this.options.leaderAddressOverrides?.[hint.leaderId] ?? `${hint.host}:${hint.port}`;
  }

  private attempt<R>(address: string, method: UnaryMethod, request: object, attemptTimeoutMs: number): Promise<R> {
    const client = this.client(address);
    return new Promise((resolve, reject) => {
      const invoke = client[method] as unknown as (request: object, options: object, callback: (error: ServiceError | null, response?: R) => void) => unknown;
      invoke.call(client, request, { deadline: Date.now() + attemptTimeoutMs }, (error, response) => {
        if (error !== null || response === undefined) reject(error ?? new Error('empty response'));
        else resolve(response);
      });
    });
  }

  /** The raw gRPC client for `address` (streams such as FetchMetadata). */
  client(address: string): GrpcControllerClient {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = createServiceClient('Controller', address, this.options.credentials === undefined ? {} : { credentials: this.options.credentials() });
      this.clients.set(address, client);
    }
    return client;
  }

  close(): void {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
