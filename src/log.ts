import { destination, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (stdout stays free for CLI output). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', options: LoggerOptions = {}): Logger {
  return pino({ level, base: { service: 'recommender' }, ...options }, destination(2));
}
