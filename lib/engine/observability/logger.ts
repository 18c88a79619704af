import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino censors in every log line, so that a credential can never be logged even if a
 * config or request object is passed to the logger by mistake.
 */
export const REDACT_PATHS = [
  'secretAccessKey',
  'accessKeyId',
  'sessionToken',
  'credentials',
  '*.secretAccessKey',
  '*.accessKeyId',
  '*.sessionToken',
  '*.credentials',
  '*.headers.authorization',
  '*.headers["x-amz-security-token"]',
];

/** JSON lines on stderr (stdout is kept for `--json`), with credentials redacted. Written synchronously: a run logs little at info, and nothing is lost or reordered at exit. */
export function createLogger(level: string, destination: DestinationStream = pino.destination({ fd: 2, sync: true })): Logger {
  return pino(
    {
      name: 'bucketbridge',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
