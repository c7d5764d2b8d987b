import { pino, type Logger } from 'pino';

/** pino's levels; 'silent' logs nothing. */
export type LogLevel = 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Log levels by KafkaJS's names. */
export const LogLevel = {
  NOTHING: 'silent',
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
} as const satisfies Record<string, LogLevel>;

export interface LoggerOptions {
  clientId: string;
  logLevel?: LogLevel | undefined;
  /** Log through this pino logger (a child with the client id) instead of a new one. */
  logger?: Logger | undefined;
}

/**
 * The client's root logger: pino, named "quill", every line tagged with the client id. The level
 * is `logLevel`, else QUILL_LOG_LEVEL from the environment, else 'info'.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.logLevel ?? (process.env['QUILL_LOG_LEVEL'] as LogLevel | undefined) ?? 'info';
  if (options.logger) {
    const child = options.logger.child({ clientId: options.clientId });
    if (options.logLevel) child.level = options.logLevel;
    return child;
  }
  return pino({ name: 'quill', level }).child({ clientId: options.clientId });
}
