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

/**
 * Standard output, written in batches: a line waits until 4 KiB have gathered or at most
 * 100 ms. One write per line was a system call (and a wake-up of whatever reads the pipe)
 * per request, the largest single cost of a small request. pino flushes what is buffered
 * when the process exits.
 */
function batchedStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 });
}

export function createLogger(level: string, destination: pino.DestinationStream = batchedStdout()): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'ccag' } }, destination);
}

/** Per base logger: the same stream, level and bindings, without redaction. */
const requestLineLoggers = new WeakMap<Logger, Logger>();

/**
 * Writes the one line each request leaves (`"msg":"request"`). Its fields are fixed (method,
 * path without the query, status, ms, request id) and hold no secret, so it skips redaction:
 * redacting copies and serializes every object logged, a tenth of what a request allocated.
 */
export function logRequestLine(log: Logger, fields: Record<string, string | number | boolean | undefined>): void {
  let line = requestLineLoggers.get(log);
  if (!line) {
    line = pino({ level: log.level, base: null }, (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]).child(log.bindings());
    requestLineLoggers.set(log, line);
  }
  line.info(fields, 'request');
}
