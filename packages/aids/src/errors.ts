/** sharp cannot decode these bytes as an image. Never retryable: the same bytes fail the same way. */
export class UndecodableImageError extends Error {
  readonly retry = false;
  override name = 'UndecodableImageError';
}
