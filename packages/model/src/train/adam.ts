/** Adam on plain Float32Arrays: the trainer owns the weights, replicas only compute gradients. */
export type AdamState = { step: number; m: Float32Array[]; v: Float32Array[] };

export function createAdam(sizes: number[]): AdamState {
  return { step: 0, m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) };
}

export function adamStep(
  state: AdamState,
  params: Float32Array[],
  grads: Float32Array[],
  lr: number,
  opts: { beta1?: number; beta2?: number; eps?: number; clipNorm?: number } = {},
): { gradNorm: number } {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const gradNorm = Math.sqrt(sq);
  // Clipping by global norm keeps one odd batch from undoing a run.
  const clip = opts.clipNorm && gradNorm > opts.clipNorm ? opts.clipNorm / gradNorm : 1;
  state.step++;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    const g = grads[k]!;
    const m = state.m[k]!;
    const v = state.v[k]!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * clip;
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      p[i] = p[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
  }
  return { gradNorm };
}
