import { describe, expect, it } from 'vitest';
import { createFlow, createImage } from './types.ts';

describe('constructors', () => {
  it('createFlow makes a zero field of 2*w*h floats', () => {
    const W = createFlow(3, 2);
    expect(W.data).toBeInstanceOf(Float32Array);
    expect(W.data.length).toBe(12);
    expect(W.data.every((v) => v === 0)).toBe(true);
    expect(() => createFlow(0, 2)).toThrow(RangeError);
    expect(() => createFlow(2.5, 2)).toThrow(RangeError);
  });

  it('createImage defaults to RGB Uint8ClampedArray, takes a type or wraps data', () => {
    const a = createImage(4, 2);
    expect(a.channels).toBe(3);
    expect(a.data).toBeInstanceOf(Uint8ClampedArray);
    expect(a.data.length).toBe(24);
    const b = createImage(4, 2, 1, Float32Array);
    expect(b.data).toBeInstanceOf(Float32Array);
    expect(b.data.length).toBe(8);
    const data = new Uint8Array(8);
    expect(createImage(2, 2, 2, data).data).toBe(data);
    expect(() => createImage(2, 2, 3, data)).toThrow(/expected 2\*2\*3 = 12/);
  });
});
