import { QuillError } from '@quill/proto';
import type { Logger } from 'pino';
import type { KafkaApiVersionRange, KafkaRequestHeader } from './codec.js';
import type { SaslSession } from './sasl/sasl-session.js';

/** What a handler knows about the request besides its body. */
export interface KafkaRequestContext {
  header: KafkaRequestHeader;
  /** host:port of the client. */
  clientAddress: string;
  logger: Logger;
  /** The connection's SASL state on a SASL_PLAINTEXT or SASL_SSL listener; absent on the others. */
  session?: SaslSession;
  /** `User:<CN>` of the client certificate on an SSL listener that verified one (mutual TLS). */
  tlsPrincipal?: string;
}

/** What `handle` returns instead of a body when the client expects no answer (Produce with acks=0). */
export const NO_ANSWER: object = Object.freeze({ noAnswer: true });
/** What `handle` returns to close the connection after the earlier answers (a failed acks=0 Produce, as Kafka). */
export const CLOSE_CONNECTION: object = Object.freeze({ closeConnection: true });

/** What `handle` returns to answer `body` and then close (a failed SASL exchange, as Kafka). */
export class AnswerThenClose {
  constructor(readonly body: object) {}
}

/** A response body and the version to encode it at (defaults to the request's). */
export interface KafkaAnswer {
  apiVersion: number;
  body: object;
}

/**
 * One Kafka API served by the listener.
 *
 * To add an API: write `handlers/<api-name>.ts` exporting a function that takes the broker
 * services it needs and returns a `KafkaHandler` (its `apiKey` from `ApiKeys`, `handle` mapping
 * the decoded `<Name>Request` to a `<Name>Response` body over the same broker operations the gRPC
 * services use), then register it where the broker builds its registry (`kafkaHandlers` in
 * handlers/index.ts). ApiVersions advertises an API only once it is registered, with the range
 * the codec supports (narrowed by `minVersion`/`maxVersion` when the handler serves fewer).
 */
export interface KafkaHandler<Request = never> {
  readonly apiKey: number;
  /** Narrows the codec's range: versions outside it are treated as unsupported. */
  readonly minVersion?: number;
  readonly maxVersion?: number;
  handle(request: Request, context: KafkaRequestContext): Promise<object>;
  /**
   * The answer for a request that failed in `handle` (Kafka's error response for the API, with
   * the error's code), or undefined to close the connection (APIs with no top-level error code).
   */
  errorResponse?(error: unknown, request: Request, context: KafkaRequestContext): object | undefined;
  /** The answer for a request at a version outside the range; without it the connection is closed. */
  unsupportedVersionResponse?(header: KafkaRequestHeader): KafkaAnswer | undefined;
}

/** Wraps a handler before it is registered. */
export type HandlerGuard = <Request>(handler: KafkaHandler<Request>) => KafkaHandler<Request>;

/** apiKey → handler, and the version ranges that follow from what is registered. */
export class KafkaHandlerRegistry {
  private readonly handlers = new Map<number, KafkaHandler<unknown>>();

  /** `guard`: applied to each handler as it is registered (the authorizer's checks when one is on). */
  constructor(
    private readonly codecVersions: ReadonlyArray<KafkaApiVersionRange>,
    private readonly guard: HandlerGuard = (handler) => handler,
  ) {}

  register<Request>(unguarded: KafkaHandler<Request>): this {
    const handler = this.guard(unguarded);
    if (this.handlers.has(handler.apiKey)) throw new QuillError('INVALID_CONFIG', `a Kafka handler for API key ${handler.apiKey} is registered twice`);
    if (!this.codecVersions.some((row) => row.apiKey === handler.apiKey)) throw new QuillError('INVALID_CONFIG', `the Kafka codec has no schema for API key ${handler.apiKey}`);
    this.handlers.set(handler.apiKey, handler as KafkaHandler<unknown>);
    return this;
  }

  get(apiKey: number): KafkaHandler<unknown> | undefined {
    return this.handlers.get(apiKey);
  }

  /** The versions of `apiKey` this broker serves, or undefined when it serves none. */
  range(apiKey: number): KafkaApiVersionRange | undefined {
    const handler = this.handlers.get(apiKey);
    const row = this.codecVersions.find((r) => r.apiKey === apiKey);
    if (handler === undefined || row === undefined) return undefined;
    const minVersion = Math.max(row.minVersion, handler.minVersion ?? row.minVersion);
    const maxVersion = Math.min(row.maxVersion, handler.maxVersion ?? row.maxVersion);
    return minVersion <= maxVersion ? { ...row, minVersion, maxVersion } : undefined;
  }

  /** Every API served, by API key: what ApiVersions advertises. */
  supported(): KafkaApiVersionRange[] {
    return [...this.handlers.keys()]
      .sort((a, b) => a - b)
      .map((apiKey) => this.range(apiKey))
      .filter((r): r is KafkaApiVersionRange => r !== undefined);
  }
}
