import type * as grpc from '@grpc/grpc-js';

/** The RPC names a generated `...Handlers` interface declares (its inherited index signature left out). */
type DeclaredMethods<H> = keyof { [K in keyof H as string extends K ? never : K]: H[K] } & string;

/**
 * The unary RPCs of a service, read off its generated handlers interface, e.g.
 * `UnaryMethods<BrokerHandlers>` is 'Metadata' | 'Produce' | ... without 'ProduceStream'.
 * A handler type is unary exactly when it is grpc's unary handler type (both ways assignable).
 */
export type UnaryMethods<H> = {
  [K in DeclaredMethods<H>]: H[K] extends grpc.handleUnaryCall<infer Req, infer Res>
    ? grpc.handleUnaryCall<Req, Res> extends H[K]
      ? K
      : never
    : never;
}[DeclaredMethods<H>];

/** The bidirectional-streaming RPCs of a service, read off its generated handlers interface. */
export type BidiStreamingMethods<H> = {
  [K in DeclaredMethods<H>]: H[K] extends grpc.handleBidiStreamingCall<infer Req, infer Res>
    ? grpc.handleBidiStreamingCall<Req, Res> extends H[K]
      ? K
      : never
    : never;
}[DeclaredMethods<H>];
