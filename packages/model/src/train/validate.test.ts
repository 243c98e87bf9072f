import { describe, expect, it } from 'vitest';
import type { Batch } from './protocol.ts';
import { type Prediction, scorePart, withoutFlow } from './validate.ts';

/** Two 8x8 samples: one moved by (3, 0) everywhere, one untouched; predictions at 1/4 resolution (2x2). */
const batch: Batch = {
  n: 2,
  size: 8,
  images: new Uint8Array(2 * 8 * 8 * 3),
  flows: new Float32Array(2 * 8 * 8 * 2).map((_, i) => (i < 8 * 8 * 2 && i % 2 === 0 ? 3 : 0)),
  labels: new Float32Array([1, 0]),
};
const noisy: Prediction = {
  flow: new Float32Array(2 * 2 * 2 * 2).fill(0.7),
  flowSize: 2,
  moved: new Float32Array(2 * 2 * 2).fill(0.5),
  logit: new Float32Array([2, -2]),
  channelMax: new Float32Array(4),
};

describe('validation scoring', () => {
  it('scores a prediction without flow as exactly zero-flow, detection untouched', () => {
    const raw = scorePart([batch], [noisy]);
    expect(raw.meanFlowUnedited).toBeGreaterThan(0.9);
    expect(raw.epeRatio).not.toBe(1);
    const zeroed = scorePart([batch], [withoutFlow(noisy)]);
    expect(zeroed.epeRatio).toBe(1);
    expect(zeroed.meanFlowUnedited).toBe(0);
    expect(zeroed.ap).toBe(raw.ap);
    expect(zeroed.ap).toBe(1);
  });
});
