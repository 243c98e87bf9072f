import { ERROR_CODES, type JobError } from './schemas.ts';

/** Producer side: Redis is down or unreachable. Retrying later can help. */
export class RedisUnavailableError extends Error {
  readonly retry = true;
  constructor(
    readonly redisUrl: string,
    cause?: unknown,
  ) {
    super(`Redis is not reachable at ${redactUrl(redisUrl)}${cause instanceof Error ? `: ${cause.message}` : ''}`, {
      cause,
    });
    this.name = 'RedisUnavailableError';
  }
}

export class NotFoundError extends Error {
  readonly retry = false;
  constructor(what: string) {
    super(`${what} was not found`);
    this.name = 'NotFoundError';
  }
}

export class InvalidInputError extends Error {
  readonly retry = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** Passwords in a Redis URL never reach a log or an error message. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** Failure messages are `[code] text`; the code survives BullMQ's failedReason, which is a plain string. */
export function formatFailure(code: JobError['code'], message: string): string {
  return `[${code}] ${message}`;
}

const BAD_INPUT = new Set<string>([
  'empty',
  'not-found',
  'unsupported',
  'corrupt',
  'too-large',
  'framing',
  'too-small',
  'invalid-payload',
  'missing-upload',
]);

export function parseFailure(failedReason: string | undefined): JobError {
  const m = /^\[([a-z-]+)\] ([\s\S]*)$/.exec(failedReason ?? '');
  const code = m && (ERROR_CODES as readonly string[]).includes(m[1]!) ? (m[1] as JobError['code']) : 'internal';
  return { code, message: m ? m[2]! : (failedReason ?? 'unknown error'), retryable: !BAD_INPUT.has(code) };
}
