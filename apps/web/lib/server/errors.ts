/** Every error the API returns has this one shape: `{ error: { code, message } }`. */
export type ErrorBody = { error: { code: string; message: string } };

export const ERROR_STATUS = {
  'bad-request': 400,
  unauthorized: 401,
  'not-found': 404,
  'too-large': 413,
  'unsupported-type': 415,
  'empty-file': 422,
  'too-many-pixels': 422,
  'image-too-small': 422,
  'invalid-input': 422,
  'invalid-callback-url': 422,
  'callback-url-forbidden': 422,
  'not-ready': 409,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error meant for the client: its message is shown as is, so it must not leak internals. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export function errorResponse(err: ApiError): Response {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  return Response.json(body, { status: err.status, headers: { 'cache-control': 'no-store', ...err.headers } });
}
