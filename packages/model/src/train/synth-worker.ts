import { parentPort } from 'node:worker_threads';
import {
  createRng,
  type FacePhoto,
  listLandmarkedPhotos,
  loadFacePhoto,
  makePair,
  type PhotoRef,
} from '@unwarp/liquify';
import sharp from 'sharp';
import type { Recipe } from '../recipe.ts';
import { VIEW_NAMES, viewSquare } from '../views.ts';
import { listPregenerated, loadPregeneratedPatch, type PregeneratedRef } from './pregenerated.ts';
import { type Batch, type SynthReply, type SynthRequest, transferables } from './protocol.ts';

// Synthesis runs on its own thread so the trainer's threads only do tensor work.
sharp.concurrency(1);
const port = parentPort!;
const pools = new Map<string, PhotoRef[]>();
/** Pools given as `unwarp synth` outputs instead of photos with landmarks. */
const stored = new Map<string, PregeneratedRef[]>();
let data: Recipe['data'];
let withOriginals = false;
const cache = new Map<string, Promise<FacePhoto>>();

function photo(ref: PhotoRef): Promise<FacePhoto> {
  let p = cache.get(ref.id);
  if (!p) {
    p = loadFacePhoto(ref);
    cache.set(ref.id, p);
  }
  return p;
}

port.on('message', async (msg: SynthRequest) => {
  if (msg.type === 'init') {
    data = msg.data;
    withOriginals = msg.originals;
    for (const [name, dirs] of Object.entries(msg.pools)) {
      const refs = await listLandmarkedPhotos(dirs);
      if (refs.length > 0) {
        pools.set(name, refs);
        continue;
      }
      const samples = await listPregenerated(dirs);
      if (samples.length === 0) {
        port.postMessage({
          type: 'error',
          id: -1,
          message: `no photos with .pts landmarks and no \`unwarp synth\` samples in ${dirs.join(', ')}`,
        } satisfies SynthReply);
        return;
      }
      stored.set(name, samples);
    }
    port.postMessage({
      type: 'ready',
      photos: Object.fromEntries([...pools, ...stored].map(([k, v]) => [k, v.length])),
    });
    return;
  }
  try {
    const refs = pools.get(msg.pool);
    const samples = stored.get(msg.pool);
    if (!refs && !samples) throw new Error(`unknown photo pool ${msg.pool}`);
    const rng = createRng(msg.seed);
    const size = data.patch;
    const batch: Batch = {
      n: msg.n,
      size,
      images: new Uint8Array(msg.n * size * size * 3),
      flows: new Float32Array(msg.n * size * size * 2),
      labels: new Float32Array(msg.n),
      ...(withOriginals ? { originals: new Uint8Array(msg.n * size * size * 3) } : {}),
    };
    // Validation batches are never paired: each sample stands alone, as in use.
    const paired = data.pairs === true && msg.pool !== 'val';
    for (let i = 0; i < msg.n; i += paired ? 2 : 1) {
      let modified: Uint8Array;
      let original: Uint8Array | undefined;
      let flow: Float32Array;
      let label: number;
      if (samples) {
        // A stored `unwarp synth` sample: its edit, strength and augmentation were fixed when it was written.
        const patch = await loadPregeneratedPatch(samples[Math.floor(rng.next() * samples.length)]!, rng, size);
        const useTwin = !paired && !rng.chance(data.positiveRate);
        modified = useTwin ? patch.original : patch.modified;
        original = patch.original;
        flow = useTwin ? new Float32Array(size * size * 2) : patch.flow.data;
        label = useTwin ? 0 : patch.label;
      } else {
        const ref = refs![Math.floor(rng.next() * refs!.length)]!;
        // Drawn only when the recipe asks, so older recipes keep their exact batches.
        const keepClean = msg.pool !== 'val' && (data.cleanShare ?? 0) > 0 && rng.chance(data.cleanShare!);
        const pair = await makePair(await photo(ref), rng, {
          patch: size,
          cropShortSide: data.cropShortSide,
          families: msg.families,
          strength: msg.strength,
          // Below 0 the pair gets no post-processing at all (no colour jitter, no JPEG): the cleanest trace.
          augmentLevel: Math.max(0, msg.augmentLevel),
          positiveRate: paired ? 1 : data.positiveRate,
          augment: msg.augmentLevel >= 0 && !keepClean,
          keepOriginal: paired || withOriginals,
          jpegGrid: data.jpegGrid,
          shrinkFace: data.shrinkFace,
          ...(data.resampleFirst ? { resampleFirst: data.resampleFirst } : {}),
        });
        modified = pair.modified.data;
        original = pair.original?.data;
        flow = pair.flow.data;
        label = pair.label;
      }
      // One of the square's eight symmetries for the pair and its twin, W turned with it: faces are always upright
      // in the photos, and a network trained only on them read dx far worse than dy (docs/training-experiments.md,
      // twelfth session). Drawn only when the recipe asks, so older recipes keep their exact batches.
      if (data.viewAugment && msg.pool !== 'val') {
        const view = VIEW_NAMES[Math.floor(rng.next() * VIEW_NAMES.length)]!;
        modified = viewSquare(modified, size, 3, view);
        if (original) original = viewSquare(original, size, 3, view);
        flow = viewSquare(flow, size, 2, view, true);
      }
      batch.images.set(modified, i * size * size * 3);
      batch.flows.set(flow, i * size * size * 2);
      batch.labels[i] = label;
      batch.originals?.set(original ?? modified, i * size * size * 3);
      if (paired && i + 1 < msg.n) {
        // The twin: same pixels before the warp, zero field.
        batch.images.set(original!, (i + 1) * size * size * 3);
        batch.originals?.set(original!, (i + 1) * size * size * 3);
        batch.labels[i + 1] = 0;
      }
    }
    port.postMessage({ type: 'batch', id: msg.id, batch } satisfies SynthReply, transferables(batch));
  } catch (err) {
    port.postMessage({
      type: 'error',
      id: msg.id,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    } satisfies SynthReply);
  }
});
