import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line: credentials never reach logs. */
const redact = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'password',
  'token',
  'key',
  '*.password',
  '*.token',
  '*.key',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'ccag' } }, destination);
}
