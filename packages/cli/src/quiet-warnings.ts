/**
 * Node's DEP0123 ("Setting the TLS ServerName to an IP address is not permitted by RFC 6066")
 * fires whenever grpc-js dials a TLS port by IP address, as every secure command against
 * 127.0.0.1 does. The certificate is still verified against that address; the warning is only
 * noise on stderr, so the CLI drops that one code and keeps every other warning.
 */
const QUIETED_WARNING_CODES: ReadonlySet<string> = new Set(['DEP0123']);

export function quietKnownWarnings(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
    const [first, code] = rest;
    const named = typeof first === 'object' && first !== null ? (first as { code?: unknown }).code : code;
    if (typeof named === 'string' && QUIETED_WARNING_CODES.has(named)) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
