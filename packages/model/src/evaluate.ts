import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  estimateJpegQuality,
  faceHistoryReading,
  historyAround,
  historyFeatures,
  historyReading,
  ijgTable,
  lumaOf,
  lumaTableOf,
  readJpegHistory,
  STD_LUMA,
} from '@unwarp/aids';
import {
  accuracyAt,
  averagePrecision,
  decodeFlo,
  endpointError,
  type FlowField,
  flowMagnitude,
  type Image,
  psnr,
  resizeFlow,
  rocAuc,
  unwarp,
} from '@unwarp/flow';
import {
  createRng,
  FAMILIES,
  type Family,
  jpegRoundTrip,
  listLandmarkedPhotos,
  loadFacePhoto,
  makePair,
  type Rng,
  recolour,
  sampleColourEdit,
  toRaw,
} from '@unwarp/liquify';
import sharp from 'sharp';
import { loadDetector, networkScale, seesNatively } from './infer.ts';
import { listPregenerated } from './train/pregenerated.ts';
import type { ModelManifest } from './weights-io.ts';

export type EvalOptions = {
  modelDir: string;
  /** Photo pools with .pts landmarks, edited by the simulator on the fly (the default source). */
  photoDirs: string[];
  /**
   * Stored pairs instead: `unwarp synth` outputs or any folders of <sample>/{original.jpg, modified.jpg, warp.flo,
   * meta.json} (e.g. edits made by other software, with W measured against the original). `count` caps how many.
   */
  pairDirs?: string[];
  count: number;
  seed: number;
  families?: Family[];
  /**
   * Simulated samples only: false = no post-processing after the edit (no JPEG re-save, rescale or colour change), the
   * best case of an edit exported losslessly. Default true: the full mix.
   */
  postprocess?: boolean;
  /**
   * Simulated samples only: instead of the post-processing mix, save the edited photo once as JPEG at this quality,
   * as an editor does (the whole photo, so its 8 px blocks stay on the photo's own grid).
   */
  jpegQuality?: number;
  /**
   * With `jpegQuality`: a colour edit before that export (`sampleColourEdit`, the simulator's mix's ranges; both
   * halves alike), as a user who corrects a photo's tones in the same editor
   * does. It scales the earlier save's lattice that the JPEG-history evidence reads.
   */
  colour?: boolean;
  /**
   * With `jpegQuality`: the photo saved first at a quality drawn from OFF_GRID_EARLIER_QUALITIES on its own grid, and
   * the export then made on a grid shifted by 1–7 px (a crop off the grid between the saves, as an editor that opens,
   * crops, retouches and exports makes it): the earlier save is then only on another grid (`shiftedJpegHistory`).
   */
  offGrid?: boolean;
  threshold?: number;
  onProgress?: (done: number, total: number) => void;
};

export type EvalReport = {
  model: string;
  /** Where the samples came from: the simulator (families) or stored pair folders. */
  source: string;
  samples: number;
  positives: number;
  threshold: number;
  accuracy: number;
  ap: number;
  auc: number;
  fprUntouched: number;
  /** Scores from the "moved" map instead of the global head. */
  apMoved: number;
  /**
   * No model: the aligned double-JPEG map of `@unwarp/aids` (`compressionBreak` over the face box), scored on the
   * crop at the photo's resolution — where part of the face lost the photo's earlier JPEG compression. Needs a JPEG
   * history on the photo's grid; the pipeline reads it from the whole photo (here only the crop).
   */
  compressionBreak: { ap: number; auc: number };
  /** No model: `historyEvidence` over the face box, from the same map (the term a manifest may weigh instead). */
  historyEvidence: { ap: number; auc: number };
  /** The network's own score (without the JPEG-history term the manifest may add). */
  network: { ap: number; auc: number };
  epeMoved: { model: number; zeroFlow: number; ratio: number };
  epeFaceBox: { model: number; zeroFlow: number; ratio: number };
  /**
   * PSNR over the face box against the true original: as modified, unwarped with the predicted W, and unwarped with
   * the true W (`trueFlowGain`: the ceiling of the gain, what resampling alone leaves).
   */
  psnr: { modified: number; recovered: number; gain: number; trueFlowGain: number };
  seconds: number;
};

/** One evaluation case: what the model sees, the truth, and the face box (landmark extent) on its grid. */
type EvalSample = {
  modified: Image<Uint8Array>;
  original: Image<Uint8Array>;
  flow: FlowField;
  label: 0 | 1;
  faceBox: { x0: number; y0: number; x1: number; y1: number };
  /**
   * `compressionBreak` over the face box, on the pixels at the photo's resolution (before any network resize), when
   * the sample would reach the pipeline as a JPEG; undefined for lossless exports (the pipeline reads none there).
   */
  compressionBreak: number | undefined;
  /** `historyAround` of `@unwarp/aids` (mean block LLR outside the face box), where compressionBreak is read. */
  historyAround?: number;
  /**
   * The face box's history evidence as the pipeline weighs it (`faceHistoryReading` of `@unwarp/aids`: the shifted
   * save's where one was found on another grid and holds the save, else the aligned map's), where compressionBreak is
   * read.
   */
  historyEvidence?: number;
  /**
   * The aligned map's reading, wherever it found any frequency: `historyFeatures` over the face box, the map's colour
   * scale (the studies refit the evidence from these), and how many frequencies showed that history.
   */
  history?: { features: number[]; scale: number; frequencies: number };
  /**
   * An earlier save on another grid, where one was found (`readJpegHistory`): `historyFeatures` of its map over the
   * face box, its lattice strength and its grid's offset from the last save's.
   */
  shiftedHistory?: { features: number[]; strength: number; offset: { x: number; y: number } };
  /** The file's last JPEG quality (IJG-equivalent), where compressionBreak is read. */
  jpegQuality?: number;
  /** Stored pairs only: what made the edit, as its meta.json says (foreign-edits.ts names the command). */
  software?: string;
};

/**
 * What `flow` scores on one edited sample, as `unwarp eval` measures a field (the studies call it too, so they
 * reproduce eval's rows): end-point error summed over the pixels whose true |W| > 1 px (`moved` of them) for the
 * field and for zero-flow; mean end-point error over the face box for both; PSNR over the face box of the upload
 * and of the upload unwarped by `flow` (bicubic), against the original.
 */
export function fieldScores(flow: FlowField, sample: Pick<EvalSample, 'modified' | 'original' | 'flow' | 'faceBox'>) {
  const zero = { ...sample.flow, data: new Float32Array(sample.flow.data.length) };
  const e = endpointError(flow, sample.flow, { minGtMagnitude: 1 });
  const z = endpointError(zero, sample.flow, { minGtMagnitude: 1 });
  const mask = faceBoxMask(sample.flow.width, sample.flow.height, sample.faceBox);
  const recovered = unwarp(sample.modified, flow, { interpolation: 'bicubic' }).image;
  return {
    moved: e.count,
    epe: e.count > 0 ? e.mean * e.count : 0,
    zeroEpe: e.count > 0 ? z.mean * z.count : 0,
    box: endpointError(flow, sample.flow, { mask }).mean,
    boxZero: endpointError(zero, sample.flow, { mask }).mean,
    psnrModified: psnr(sample.modified, sample.original, { mask }),
    psnrRecovered: psnr(recovered, sample.original, { mask }),
    mask,
  };
}

/** 1 inside the face box [x0, x1) × [y0, y1), 0 elsewhere: where face metrics are measured. */
export function faceBoxMask(width: number, height: number, box: EvalSample['faceBox']): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = box.y0; y < box.y1; y++) mask.fill(1, y * width + box.x0, y * width + box.x1);
  return mask;
}

/**
 * Whole face crops from held-out photos (by default the val pools), edited by the simulator with every family, half
 * untouched — or stored pairs (`pairDirs`); each metric beside what a zero prediction scores.
 */
export async function evaluateModel(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const model = await loadDetector(opts.modelDir);
  const { total, samples, source } = opts.pairDirs?.length
    ? await storedSamples(opts.pairDirs, opts.count)
    : await simulatedSamples(opts, model.manifest);
  const threshold = opts.threshold ?? 0.5;
  const scores: number[] = [];
  const moved: number[] = [];
  const breaks: number[] = [];
  const evidence: number[] = [];
  const network: number[] = [];
  const labels: number[] = [];
  let epeSum = 0;
  let zeroSum = 0;
  let epeN = 0;
  let boxSum = 0;
  let boxZero = 0;
  let boxN = 0;
  let psnrMod = 0;
  let psnrRec = 0;
  let psnrTrue = 0;
  let psnrN = 0;
  let done = 0;
  for await (const sample of samples) {
    const pred = await model.predict(sample.modified, {
      region: sample.faceBox,
      compressionBreak: sample.compressionBreak,
      historyEvidence: sample.historyEvidence,
      jpegQuality: sample.jpegQuality,
      threshold,
    });
    network.push(pred.networkLogit);
    scores.push(pred.probability);
    moved.push(pred.movedMax);
    breaks.push(sample.compressionBreak ?? 0);
    evidence.push(sample.historyEvidence ?? 0);
    labels.push(sample.label);
    // An untouched sample's true W is zero: no moved pixels, no face-box error to weigh.
    if (sample.label === 1) {
      const f = fieldScores(pred.flow, sample);
      epeSum += f.epe;
      zeroSum += f.zeroEpe;
      epeN += f.moved;
      boxSum += f.box;
      boxZero += f.boxZero;
      boxN++;
      psnrMod += f.psnrModified;
      psnrRec += f.psnrRecovered;
      const byTrueFlow = unwarp(sample.modified, sample.flow, { interpolation: 'bicubic' }).image;
      psnrTrue += psnr(byTrueFlow, sample.original, { mask: f.mask });
      psnrN++;
    }
    opts.onProgress?.(++done, total);
  }
  model.dispose();
  const negatives = scores.filter((_, i) => labels[i] === 0);
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  if (labels.length === 0) throw new Error(`no samples to evaluate in ${source}`);
  return {
    model: `${model.manifest.name}@${model.manifest.version}`,
    source,
    samples: labels.length,
    positives: labels.filter((l) => l === 1).length,
    threshold,
    accuracy: round(accuracyAt(scores, labels, threshold)),
    ap: round(averagePrecision(scores, labels)),
    auc: round(rocAuc(scores, labels)),
    fprUntouched: round(negatives.filter((s) => s >= threshold).length / Math.max(1, negatives.length)),
    apMoved: round(averagePrecision(moved, labels)),
    compressionBreak: { ap: round(averagePrecision(breaks, labels)), auc: round(rocAuc(breaks, labels)) },
    historyEvidence: { ap: round(averagePrecision(evidence, labels)), auc: round(rocAuc(evidence, labels)) },
    network: { ap: round(averagePrecision(network, labels)), auc: round(rocAuc(network, labels)) },
    epeMoved: { model: round(epeSum / epeN), zeroFlow: round(zeroSum / epeN), ratio: round(epeSum / zeroSum) },
    epeFaceBox: { model: round(boxSum / boxN), zeroFlow: round(boxZero / boxN), ratio: round(boxSum / boxZero) },
    psnr: {
      modified: round(psnrMod / psnrN),
      recovered: round(psnrRec / psnrN),
      gain: round((psnrRec - psnrMod) / psnrN),
      trueFlowGain: round((psnrTrue - psnrMod) / psnrN),
    },
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

/**
 * The simulator's pairs: whole face crops of the pools' photos, every family, half untouched. The edit is made at the
 * photo's own resolution, as a user's editor would, and the crop then goes to the network's size as the pipeline
 * sends it (`networkScale`, lanczos3): a resize there is part of what the model has to see through.
 */
export async function simulatedSamples(
  opts: Pick<
    EvalOptions,
    'photoDirs' | 'count' | 'seed' | 'families' | 'postprocess' | 'jpegQuality' | 'colour' | 'offGrid'
  > & {
    /** Shrink every photo first so its face is this many pixels wide, then save it as JPEG q88–95 (`makePair`'s). */
    shrinkFace?: [number, number];
    /**
     * For the studies: the photo resized first by a factor drawn from RESIZE_FACTORS or between their ends (an
     * editor's Image Size), so the pool JPEG's own blocks land on a lattice of another period.
     */
    resize?: boolean;
    /**
     * With `jpegQuality` and without `offGrid`: saved first at a quality drawn from OFF_GRID_EARLIER_QUALITIES on the
     * photo's grid, and exported on the same grid (two saves that share one grid).
     */
    resaveOnGrid?: boolean;
  },
  manifest: ModelManifest,
) {
  const refs = interleave(await Promise.all(opts.photoDirs.map((d) => listLandmarkedPhotos([d]))));
  if (refs.length === 0) throw new Error(`no photos with .pts landmarks in ${opts.photoDirs.join(', ')}`);
  const families = opts.families ?? [...FAMILIES];
  async function* generate(): AsyncGenerator<EvalSample> {
    for (let i = 0; i < opts.count; i++) {
      const rng = createRng((opts.seed * 7_368_787 + i) >>> 0);
      // Its own random stream, so the edits are the same as without --off-grid.
      const earlier =
        opts.offGrid || opts.resaveOnGrid
          ? drawOffGrid(createRng(((opts.seed * 7_368_787 + i) ^ 0x2545f491) >>> 0))
          : undefined;
      const offGrid = opts.offGrid ? earlier : undefined;
      const photo = await loadFacePhoto(refs[i % refs.length]!);
      if (opts.resize) {
        const factor = drawResizeFactor(createRng(((opts.seed * 7_368_787 + i) ^ 0x68e31da4) >>> 0));
        photo.image = await resizeImage(
          photo.image,
          Math.round(photo.image.width * factor),
          Math.round(photo.image.height * factor),
        );
        photo.landmarks = photo.landmarks.map(([x, y]): [number, number] => [x * factor, y * factor]);
      }
      if (earlier) photo.image = await jpegRoundTrip(photo.image, earlier.earlierQuality);
      const pair = await makePair(photo, rng, {
        patch: 0,
        cropShortSide: 0,
        families,
        positiveRate: 0.5,
        augment: opts.postprocess !== false && opts.jpegQuality === undefined,
        keepOriginal: true,
        ...(opts.shrinkFace ? { shrinkFace: { share: 1, widths: opts.shrinkFace } } : {}),
      });
      if (opts.jpegQuality !== undefined) {
        const crop = pair.meta.cropBox;
        const origin = offGrid ? { x: crop.x + offGrid.shift.x, y: crop.y + offGrid.shift.y } : crop;
        if (opts.colour) {
          // Its own random stream, so the edits are the same as without --colour.
          const edit = sampleColourEdit(createRng(((opts.seed * 7_368_787 + i) ^ 0x5bd1e995) >>> 0));
          pair.modified = recolour(pair.modified, edit);
          pair.original = recolour(pair.original!, edit);
        }
        pair.modified = await jpegRoundTrip(pair.modified, opts.jpegQuality, origin);
        pair.original = await jpegRoundTrip(pair.original!, opts.jpegQuality, origin);
      }
      const k = pair.meta.rescale;
      const faceBox = landmarkBox(
        pair.meta.landmarks.map(([x, y]) => [x * k, y * k]),
        pair.flow.width,
        pair.flow.height,
      );
      // The file the pipeline would get is a JPEG when a JPEG save came last (its header gives the table); a lossless
      // export has no JPEG history to read, and the pipeline then adds nothing.
      const lastQuality = opts.jpegQuality ?? pair.meta.jpegQuality;
      const steps = lastQuality !== null && lastQuality !== undefined ? ijgTable(STD_LUMA, lastQuality) : undefined;
      yield atNetworkScale(
        {
          modified: pair.modified,
          original: pair.original!,
          flow: pair.flow,
          label: pair.label,
          faceBox,
          ...(steps
            ? { ...jpegHistoryOf(pair.modified, faceBox, steps), jpegQuality: lastQuality! }
            : { compressionBreak: undefined }),
        },
        manifest,
      );
    }
  }
  const post =
    opts.jpegQuality !== undefined
      ? opts.offGrid
        ? `; saved first at q${OFF_GRID_EARLIER_QUALITIES.join('–')}, then ${opts.colour ? 'colour-edited and ' : ''}saved as JPEG q${opts.jpegQuality} on a grid 1–7 px off the first`
        : `; ${opts.colour ? 'colour-edited, then ' : ''}saved once as JPEG q${opts.jpegQuality} on the photo's grid`
      : opts.postprocess === false
        ? '; no post-processing'
        : '';
  const scale = seesNatively(manifest)
    ? "the photo's own scale"
    : `crops resized to ${manifest.recipe.data.cropShortSide} px`;
  return {
    total: opts.count,
    samples: generate(),
    source: `simulator (${families.join(', ')}${post}; edited at the photo's resolution, seen at ${scale})`,
  };
}

/** `resize`'s round factors, half its draws (×1.5 and ×2.5 put the pool JPEG's own blocks half a block over). */
export const RESIZE_FACTORS = [0.5, 0.75, 1.25, 1.5, 2, 2.5] as const;

/** A factor from RESIZE_FACTORS, or log-uniform between their ends at least 10% away from 1. */
function drawResizeFactor(rng: Rng): number {
  if (rng.next() < 0.5) return RESIZE_FACTORS[Math.floor(rng.next() * RESIZE_FACTORS.length)]!;
  const lo = Math.log(RESIZE_FACTORS[0]);
  const hi = Math.log(RESIZE_FACTORS[RESIZE_FACTORS.length - 1]!);
  for (;;) {
    const factor = Math.exp(lo + rng.next() * (hi - lo));
    if (Math.abs(Math.log(factor)) >= Math.log(1.1)) return factor;
  }
}

/** `offGrid`'s earlier save: qualities drawn from this range (an earlier q92 save is too fine to find off the grid). */
export const OFF_GRID_EARLIER_QUALITIES = [70, 90] as const;

/** `offGrid`'s draw: the earlier save's quality, and the export grid's shift (each 0–7 px, not both 0). */
function drawOffGrid(rng: Rng): { earlierQuality: number; shift: { x: number; y: number } } {
  const [lo, hi] = OFF_GRID_EARLIER_QUALITIES;
  const earlierQuality = lo + Math.floor(rng.next() * (hi - lo + 1));
  const cell = 1 + Math.floor(rng.next() * 63);
  return { earlierQuality, shift: { x: cell % 8, y: Math.floor(cell / 8) } };
}

/**
 * The pools' photos taken in turn (a, b, a, b, …, then the rest of the longer one), so N samples from several pools
 * draw on each of them rather than on the first pool alone.
 */
export function interleave<T>(pools: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const total = pools.reduce((n, p) => n + p.length, 0);
  for (let i = 0; out.length < total; i++) for (const pool of pools) if (i < pool.length) out.push(pool[i]!);
  return out;
}

/** A sample as the pipeline would hand it to the network: resized by `networkScale`, truth and face box with it. */
async function atNetworkScale(s: EvalSample, manifest: ModelManifest): Promise<EvalSample> {
  const k = networkScale(manifest, s.flow);
  const width = Math.max(1, Math.round(s.flow.width * k));
  const height = Math.max(1, Math.round(s.flow.height * k));
  if (width === s.flow.width && height === s.flow.height) return s;
  const sx = width / s.flow.width;
  const sy = height / s.flow.height;
  const { x0, y0, x1, y1 } = s.faceBox;
  return {
    modified: await resizeImage(s.modified, width, height),
    original: await resizeImage(s.original, width, height),
    flow: resizeFlow(s.flow, width, height),
    label: s.label,
    compressionBreak: s.compressionBreak,
    ...(s.historyAround !== undefined ? { historyAround: s.historyAround } : {}),
    ...(s.historyEvidence !== undefined ? { historyEvidence: s.historyEvidence } : {}),
    ...(s.history ? { history: s.history } : {}),
    ...(s.shiftedHistory ? { shiftedHistory: s.shiftedHistory } : {}),
    ...(s.jpegQuality !== undefined ? { jpegQuality: s.jpegQuality } : {}),
    faceBox: {
      x0: Math.floor(x0 * sx),
      y0: Math.floor(y0 * sy),
      x1: Math.min(width, Math.ceil(x1 * sx)),
      y1: Math.min(height, Math.ceil(y1 * sy)),
    },
  };
}

/** Resized as the pipeline resizes a face crop (lanczos3). */
export function resizeImage(img: Image<Uint8Array>, width: number, height: number): Promise<Image<Uint8Array>> {
  const raw = { width: img.width, height: img.height, channels: 3 } as const;
  return toRaw(sharp(img.data, { raw }).resize(width, height, { kernel: 'lanczos3', fit: 'fill' }));
}

/** Stored pairs, in folder order, at most `count`: the model sees modified.jpg (or .png) as it is. */
export async function storedSamples(dirs: string[], count: number) {
  const refs = (await listPregenerated(dirs)).slice(0, count);
  if (refs.length === 0)
    throw new Error(`no stored pairs (<sample>/original.jpg, modified.jpg, warp.flo, meta.json) in ${dirs.join(', ')}`);
  async function* read(): AsyncGenerator<EvalSample> {
    for (const ref of refs) {
      const [flo, metaText, modifiedBytes, original] = await Promise.all([
        readFile(path.join(ref.dir, 'warp.flo')),
        readFile(path.join(ref.dir, 'meta.json'), 'utf8'),
        readFile(path.join(ref.dir, `modified.${ref.ext}`)),
        toRaw(sharp(path.join(ref.dir, `original.${ref.ext}`))),
      ]);
      const modified = await toRaw(sharp(modifiedBytes));
      const flow = decodeFlo(flo);
      if (flow.width !== modified.width || flow.height !== modified.height)
        throw new Error(`${ref.dir}: warp.flo and modified.${ref.ext} differ in size`);
      const meta = JSON.parse(metaText) as {
        label?: number;
        landmarks?: [number, number][];
        region?: { x: number; y: number; size: number };
        software?: string | null;
      };
      // Landmarks are stored on the face crop's grid; the sample is `region` of it, resized to the stored size.
      const region = meta.region ?? { x: 0, y: 0, size: flow.width };
      const k = flow.width / region.size;
      const label = meta.label === 0 || meta.label === 1 ? meta.label : maxMagnitude(flow) >= 0.75 ? 1 : 0;
      const faceBox = meta.landmarks?.length
        ? landmarkBox(
            meta.landmarks.map(([x, y]) => [(x - region.x) * k, (y - region.y) * k]),
            flow.width,
            flow.height,
          )
        : { x0: 0, y0: 0, x1: flow.width, y1: flow.height };
      const steps = lumaTableOf(modifiedBytes);
      const jpegQuality = estimateJpegQuality(modifiedBytes).quality ?? undefined;
      yield {
        modified,
        original,
        flow,
        label,
        faceBox,
        ...jpegHistoryOf(modified, faceBox, steps),
        ...(jpegQuality !== undefined ? { jpegQuality } : {}),
        ...(meta.software ? { software: meta.software } : {}),
      };
    }
  }
  return { total: refs.length, samples: read(), source: `stored pairs in ${dirs.join(', ')}` };
}

function jpegHistoryOf(img: Image<Uint8Array>, box: EvalSample['faceBox'], steps: number[] | undefined) {
  const luma = lumaOf(img.data, img.width, img.height);
  const rgb = img.data;
  const history = readJpegHistory(luma, img.width, img.height, steps ? { steps, rgb } : { rgb });
  const { map, shifted } = history;
  // What the pipeline weighs; the aligned map's own reading and the shifted save's features are kept for the studies.
  const reading = faceHistoryReading(history, box);
  const { features } = historyReading(map, box);
  return {
    compressionBreak: reading?.compressionBreak ?? 0,
    historyAround: historyAround(map, box).mean,
    historyEvidence: reading?.evidence ?? 0,
    ...(features ? { history: { features, scale: map.scale, frequencies: map.frequencies.length } } : {}),
    ...(shifted
      ? {
          shiftedHistory: {
            features: historyFeatures(shifted.map, box),
            strength: shifted.strength,
            // From the last save's grid (0–7 px each way).
            offset: { x: (shifted.offset.x - map.offsetX + 8) % 8, y: (shifted.offset.y - map.offsetY + 8) % 8 },
          },
        }
      : {}),
  };
}

function landmarkBox(points: number[][], width: number, height: number) {
  const xs = points.map((p) => p[0]!);
  const ys = points.map((p) => p[1]!);
  const box = {
    x0: Math.max(0, Math.floor(Math.min(...xs))),
    y0: Math.max(0, Math.floor(Math.min(...ys))),
    x1: Math.min(width, Math.ceil(Math.max(...xs))),
    y1: Math.min(height, Math.ceil(Math.max(...ys))),
  };
  // A patch can miss the face altogether: then the whole patch stands in for it.
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : { x0: 0, y0: 0, x1: width, y1: height };
}

function maxMagnitude(flow: FlowField): number {
  let m = 0;
  for (const v of flowMagnitude(flow)) if (v > m) m = v;
  return m;
}
