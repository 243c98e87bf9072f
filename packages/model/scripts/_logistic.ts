import type { HistoryEvidenceFit } from '@unwarp/aids';

/** Plain gradient descent on the mean log-loss, a little L2 on the weights (not the intercept). */
export function fitLogistic(x: number[][], y: number[]): HistoryEvidenceFit {
  const d = x[0]?.length ?? 0;
  const w = new Array<number>(d + 1).fill(0);
  for (let it = 0; it < 3000; it++) {
    const g = new Array<number>(d + 1).fill(0);
    x.forEach((row, i) => {
      const z = (w[d] as number) + row.reduce((s, v, j) => s + v * (w[j] as number), 0);
      const e = 1 / (1 + Math.exp(-z)) - (y[i] as number);
      row.forEach((v, j) => {
        g[j] = (g[j] as number) + e * v;
      });
      g[d] = (g[d] as number) + e;
    });
    for (let j = 0; j <= d; j++)
      w[j] = (w[j] as number) - (0.5 * (g[j] as number)) / x.length - (j < d ? 1e-3 * (w[j] as number) : 0);
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return { weights: w.slice(0, d).map(round), intercept: round(w[d] as number) };
}
