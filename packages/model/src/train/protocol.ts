import type { Family } from '@unwarp/liquify';
import type { Weight } from '../network.ts';
import type { Recipe } from '../recipe.ts';

/** A batch as flat typed arrays, so it crosses threads without copying (transfer lists). */
export type Batch = {
  n: number;
  size: number;
  /** n × size × size × 3, RGB 0..255. */
  images: Uint8Array;
  /** n × size × size × 2, W in pixels. */
  flows: Float32Array;
  labels: Float32Array;
  /** n × size × size × 3: each sample before its warp (for the reconstruction term; the twin's own pixels if unedited). */
  originals?: Uint8Array;
};

export type SynthRequest =
  | { type: 'init'; pools: Record<string, string[]>; data: Recipe['data']; originals: boolean }
  | {
      type: 'batch';
      id: number;
      pool: string;
      n: number;
      seed: number;
      strength: number;
      augmentLevel: number;
      families: Family[];
    };
export type SynthReply = { type: 'batch'; id: number; batch: Batch } | { type: 'error'; id: number; message: string };

export type ReplicaRequest =
  | { type: 'init'; recipe: Recipe; threads: number }
  | { type: 'grads'; id: number; weights: Weight[]; batch: Batch }
  | { type: 'predict'; id: number; weights: Weight[]; batch: Batch };
export type ReplicaReply =
  | {
      type: 'grads';
      id: number;
      grads: Float32Array[];
      loss: Record<string, number>;
      moments: { name: string; mean: Float32Array; variance: Float32Array }[];
    }
  | {
      type: 'predict';
      id: number;
      flow: Float32Array;
      flowSize: number;
      moved: Float32Array;
      logit: Float32Array;
      channelMax: Float32Array;
    }
  | { type: 'error'; id: number; message: string };

export function transferables(b: Batch): ArrayBuffer[] {
  const list = [b.images.buffer as ArrayBuffer, b.flows.buffer as ArrayBuffer, b.labels.buffer as ArrayBuffer];
  return b.originals ? [...list, b.originals.buffer as ArrayBuffer] : list;
}
