import type { Tensor4D } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from './backend.ts';

describe('initBackend', () => {
  it('falls back to wasm where the native packages are missing, and says why', async () => {
    const { tf, info } = await initBackend();
    expect(info).toEqual(backendInfo());
    if (process.env.UNWARP_BACKEND === undefined) {
      // On hosts without libtensorflow the two native choices are skipped with a reason.
      expect(['wasm', 'tensorflow']).toContain(info.backend);
      if (info.backend === 'wasm') expect(info.skipped.map((s) => s.choice)).toEqual(['tensorflow-gpu', 'tensorflow']);
    }
    const y = tf.tidy(() =>
      tf.conv2d(tf.ones([1, 4, 4, 1]) as Tensor4D, tf.ones([3, 3, 1, 1]) as Tensor4D, 1, 'same').dataSync(),
    );
    expect(Array.from(y).slice(0, 5)).toEqual([4, 6, 6, 4, 6]);
  });
});
