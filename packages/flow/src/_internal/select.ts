/**
 * q-quantile (0..1) of the values by quickselect, nearest-rank (no interpolation). Reorders `values` in place.
 * NaN must not be present. Returns 0 for an empty array.
 */
export function percentile(values: Float32Array, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const k = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median of three as pivot; Hoare partition copes with the long runs of zeros a liquify field has.
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number;
    const b = values[mid] as number;
    const c = values[hi] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k] as number;
  }
  return values[k] as number;
}
