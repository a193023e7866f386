// Structured JSON logs (pino): one logger per process, children per component.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'keyturn' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.client_secret', '*.token'],
      censor: '[redacted]',
    },
  });
}
