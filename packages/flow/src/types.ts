/** Pixel storage accepted everywhere in this package. Uint8 data is 0..255; Float32 data is unclamped. */
export type PixelData = Uint8Array | Uint8ClampedArray | Float32Array;

/** Interleaved, row-major image: sample (x, y, k) lives at data[(y * width + x) * channels + k]. */
export type Image<T extends PixelData = PixelData> = {
  width: number;
  height: number;
  channels: number;
  data: T;
};

/**
 * Warp field on the MODIFIED image's grid: modified(p) = original(p + W(p)).
 * data holds interleaved (dx, dy) in pixels; the vector of pixel (x, y) is at index 2 * (y * width + x).
 */
export type FlowField = { width: number; height: number; data: Float32Array };

/** All modes replicate the edge pixels for coordinates outside the image. bicubic = Catmull-Rom. */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

export type PixelDataConstructor<T extends PixelData> = new (length: number) => T;

function assertDims(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
}

/** A zero (identity) warp field. */
export function createFlow(width: number, height: number): FlowField {
  assertDims(width, height, 'createFlow');
  return { width, height, data: new Float32Array(2 * width * height) };
}

/**
 * createImage(w, h, channels = 3)                  → zeroed Image<Uint8ClampedArray>
 * createImage(w, h, channels, Float32Array)        → zeroed image of that array type
 * createImage(w, h, channels, existingData)        → wraps existingData (no copy); its length must be w*h*channels
 */
export function createImage(width: number, height: number, channels?: number): Image<Uint8ClampedArray>;
export function createImage<T extends PixelData>(
  width: number,
  height: number,
  channels: number,
  dataOrType: T | PixelDataConstructor<T>,
): Image<T>;
export function createImage(
  width: number,
  height: number,
  channels = 3,
  dataOrType: PixelData | PixelDataConstructor<PixelData> = Uint8ClampedArray,
): Image {
  assertDims(width, height, 'createImage');
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`createImage: channels must be a positive integer, got ${channels}`);
  }
  const length = width * height * channels;
  if (typeof dataOrType === 'function') {
    return { width, height, channels, data: new dataOrType(length) };
  }
  if (dataOrType.length !== length) {
    throw new RangeError(
      `createImage: data has ${dataOrType.length} values, expected ${width}*${height}*${channels} = ${length}`,
    );
  }
  return { width, height, channels, data: dataOrType };
}
