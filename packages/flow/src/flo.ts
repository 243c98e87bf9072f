import { assertFlow } from './_internal/check.ts';
import type { FlowField } from './types.ts';

/** Malformed .flo bytes: retrying cannot help. */
export class FloFormatError extends Error {
  override name = 'FloFormatError';
}

const FLO_MAGIC = 202021.25;
const HEADER_BYTES = 12;
const MAX_SIDE = 32768;
const MAX_PIXELS = 2 ** 28;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Middlebury .flo: float32 LE 202021.25, int32 LE width, int32 LE height, then float32 LE (u, v) row-major. */
export function encodeFlo(W: FlowField): Uint8Array {
  assertFlow(W, 'encodeFlo');
  const n = 2 * W.width * W.height;
  const bytes = new Uint8Array(HEADER_BYTES + 4 * n);
  const view = new DataView(bytes.buffer);
  view.setFloat32(0, FLO_MAGIC, true);
  view.setInt32(4, W.width, true);
  view.setInt32(8, W.height, true);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(W.data.buffer, W.data.byteOffset, 4 * n), HEADER_BYTES);
  } else {
    for (let i = 0; i < n; i++) view.setFloat32(HEADER_BYTES + 4 * i, W.data[i] as number, true);
  }
  return bytes;
}

/** Parses Middlebury .flo bytes; throws FloFormatError on a bad magic, absurd size, truncation or trailing bytes. */
export function decodeFlo(bytes: Uint8Array): FlowField {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new FloFormatError(`.flo truncated: ${bytes.byteLength} bytes, the header alone needs ${HEADER_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getFloat32(0, true);
  if (magic !== FLO_MAGIC) {
    throw new FloFormatError(`not a .flo file: magic is ${magic}, expected ${FLO_MAGIC} ("PIEH")`);
  }
  const width = view.getInt32(4, true);
  const height = view.getInt32(8, true);
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new FloFormatError(
      `.flo has an absurd size ${width}x${height} (each side must be 1..${MAX_SIDE}, at most ${MAX_PIXELS} pixels)`,
    );
  }
  const n = 2 * width * height;
  const expected = HEADER_BYTES + 4 * n;
  if (bytes.byteLength < expected) {
    throw new FloFormatError(`.flo truncated: ${width}x${height} needs ${expected} bytes, got ${bytes.byteLength}`);
  }
  if (bytes.byteLength > expected) {
    throw new FloFormatError(
      `.flo has ${bytes.byteLength - expected} unexpected trailing bytes after ${width}x${height} data`,
    );
  }
  let data: Float32Array;
  if (LITTLE_ENDIAN) {
    // Copy into a fresh, 4-byte-aligned buffer. (Not bytes.slice(): on a Node Buffer that is a view, and its
    // .buffer is the whole file, or Node's shared pool.)
    const copy = new Uint8Array(4 * n);
    copy.set(bytes.subarray(HEADER_BYTES, expected));
    data = new Float32Array(copy.buffer);
  } else {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
  }
  return { width, height, data };
}
