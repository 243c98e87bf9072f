import { ApiError } from './errors.ts';

/** Optional analysis options from multipart fields `threshold` (0..1) and `noCrop` (true/false). */
export function readOptions(form: FormData): { threshold?: number; noCrop?: boolean } {
  const out: { threshold?: number; noCrop?: boolean } = {};
  const t = form.get('threshold');
  if (typeof t === 'string' && t.trim() !== '') {
    const n = Number(t);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new ApiError('invalid-input', 'threshold must be a number from 0 to 1');
    out.threshold = n;
  }
  const c = form.get('noCrop');
  if (typeof c === 'string' && c !== '') {
    if (c !== 'true' && c !== 'false') throw new ApiError('invalid-input', 'noCrop must be true or false');
    out.noCrop = c === 'true';
  }
  return out;
}
