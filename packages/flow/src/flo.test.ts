import { describe, expect, it } from 'vitest';
import { decodeFlo, encodeFlo, FloFormatError } from './flo.ts';
import { createFlow } from './types.ts';

describe('.flo', () => {
  it('round-trips bit-exactly, special values included', () => {
    const W = createFlow(3, 2);
    W.data.set([0, -0, 1.5, -2.25, Number.NaN, Number.POSITIVE_INFINITY, 1e-42, -3.4e38, 0.1, 1 / 3, 123456.789, -7]);
    const bytes = encodeFlo(W);
    expect(bytes.byteLength).toBe(12 + 12 * 4);
    const back = decodeFlo(bytes);
    expect(back.width).toBe(3);
    expect(back.height).toBe(2);
    expect(Array.from(new Uint8Array(back.data.buffer))).toEqual(Array.from(new Uint8Array(W.data.buffer)));
  });

  it('decodes a hand-built file per the Middlebury spec, also from an unaligned view', () => {
    const file = [
      0x50,
      0x49,
      0x45,
      0x48, // "PIEH" = float32 LE 202021.25
      2,
      0,
      0,
      0, // width 2
      1,
      0,
      0,
      0, // height 1
      0,
      0,
      0x80,
      0x3f, // u(0,0) = 1
      0,
      0,
      0x20,
      0xc0, // v(0,0) = -2.5
      0,
      0,
      0,
      0x3f, // u(1,0) = 0.5
      0,
      0,
      0x40,
      0x40, // v(1,0) = 3
    ];
    const padded = new Uint8Array([9, ...file]).subarray(1);
    for (const bytes of [new Uint8Array(file), padded]) {
      const W = decodeFlo(bytes);
      expect(W.width).toBe(2);
      expect(W.height).toBe(1);
      expect(Array.from(W.data)).toEqual([1, -2.5, 0.5, 3]);
    }
    expect(Array.from(encodeFlo(decodeFlo(new Uint8Array(file))))).toEqual(file);
  });

  function header(magic: number, w: number, h: number, extra = 0): Uint8Array {
    const b = new Uint8Array(12 + extra);
    const v = new DataView(b.buffer);
    v.setFloat32(0, magic, true);
    v.setInt32(4, w, true);
    v.setInt32(8, h, true);
    return b;
  }

  it('decodes a Node Buffer (a view into a larger or pooled ArrayBuffer) to exactly w*h*2 values', () => {
    const W = createFlow(7, 5);
    for (let i = 0; i < W.data.length; i++) W.data[i] = i * 0.25 - 3;
    // Small Buffers share Node's pool, so byteOffset is usually not 0 and .buffer is larger than the file.
    const pooled = Buffer.from(encodeFlo(W));
    const inLargerBuffer = Buffer.concat([Buffer.alloc(16), Buffer.from(encodeFlo(W))]).subarray(16);
    for (const bytes of [pooled, inLargerBuffer]) {
      const d = decodeFlo(bytes);
      expect(d.data.length).toBe(70);
      expect(Array.from(d.data)).toEqual(Array.from(W.data));
    }
  });

  it('throws FloFormatError with a clear message on bad input', () => {
    expect(() => decodeFlo(header(1.25, 1, 1, 8))).toThrow(/magic/);
    expect(() => decodeFlo(new Uint8Array(7))).toThrow(/truncated/);
    expect(() => decodeFlo(header(202021.25, 2, 2, 8))).toThrow(/truncated.*44 bytes/);
    expect(() => decodeFlo(header(202021.25, 40000, 1))).toThrow(/absurd size/);
    expect(() => decodeFlo(header(202021.25, 32768, 32768))).toThrow(/absurd size/);
    expect(() => decodeFlo(header(202021.25, -1, 5))).toThrow(/absurd size/);
    expect(() => decodeFlo(header(202021.25, 1, 1, 12))).toThrow(/trailing/);
    for (const bad of [header(0, 1, 1, 8), new Uint8Array(3), header(202021.25, 0, 3)]) {
      expect(() => decodeFlo(bad)).toThrow(FloFormatError);
    }
  });
});
