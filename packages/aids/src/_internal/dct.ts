/** cos((2x+1)u pi / 16) * C(u) / 2, indexed [u * 8 + x]: the separable JPEG forward DCT basis. */
const BASIS = (() => {
  const b = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const c = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) b[u * 8 + x] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return b;
})();

/**
 * JPEG forward DCT of the 8x8 block at (x0, y0) of a single-channel plane (already level-shifted by -128), written to
 * `out` in natural order (out[v * 8 + u], v = vertical frequency).
 */
export function dct8x8(plane: Float32Array, stride: number, x0: number, y0: number, out: Float64Array): void {
  const tmp = new Float64Array(64);
  // rows: tmp[y * 8 + u]
  for (let y = 0; y < 8; y++) {
    const row = (y0 + y) * stride + x0;
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < 8; x++) s += (BASIS[u * 8 + x] as number) * ((plane[row + x] as number) - 128);
      tmp[y * 8 + u] = s;
    }
  }
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++) s += (BASIS[v * 8 + y] as number) * (tmp[y * 8 + u] as number);
      out[v * 8 + u] = s;
    }
  }
}
