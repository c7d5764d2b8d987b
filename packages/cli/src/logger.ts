import { pino, type Logger } from 'pino';

/** Node processes log JSON lines to stdout; the level comes from --log-level or QUILL_LOG_LEVEL. */
export function nodeLogger(level: string | undefined): Logger {
  return pino({ level: level ?? process.env['QUILL_LOG_LEVEL'] ?? 'info', base: { pid: process.pid } });
}
