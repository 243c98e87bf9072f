import type { FlowField, Image } from '../types.ts';

export function assertFlow(W: FlowField, what: string): void {
  if (W.data.length !== 2 * W.width * W.height || W.width < 1 || W.height < 1) {
    throw new RangeError(
      `${what}: flow ${W.width}x${W.height} needs ${2 * W.width * W.height} values, has ${W.data.length}`,
    );
  }
}

export function assertImage(img: Image, what: string): void {
  if (img.data.length !== img.width * img.height * img.channels || img.width < 1 || img.height < 1) {
    throw new RangeError(
      `${what}: image ${img.width}x${img.height}x${img.channels} needs ${img.width * img.height * img.channels} values, has ${img.data.length}`,
    );
  }
}

export function assertSameGrid(
  a: { width: number; height: number },
  b: { width: number; height: number },
  what: string,
): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${what}: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}
