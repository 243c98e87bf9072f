import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AidsReport,
  BREAK_HOTSPOT_SHARE,
  compressionBreakWindow,
  type DoubleJpegMap,
  estimateJpegQuality,
  type FaceHistoryReading,
  faceHistoryReading,
  HOTSPOT_MIN_EVIDENCE,
  lumaOf,
  lumaTableOf,
  readJpegHistory,
  runAids,
  type ShiftedHistory,
} from '@unwarp/aids';
import {
  type Box,
  createFaceDetector,
  cropBoxFor,
  type Face,
  type FaceDetector,
  ImageDecodeError,
  loadUpright,
  type RgbImage,
} from '@unwarp/faces';
import { createFlow, cropFlow, cropImage, type FlowField, flowMagnitude, resizeFlow, unwarp } from '@unwarp/flow';
import {
  calibratedProbability,
  fieldBandsFor,
  loadDetector,
  networkScale,
  seesNatively,
  type WarpDetector,
} from '@unwarp/model';
import sharp, { type Metadata } from 'sharp';
import { type BlendCrop, blendCrops, clusterBoxes, union } from './_internal/blend.ts';
import { createEvidenceMap, type EvidenceMap, type Hotspot, paintEvidence } from './evidence.ts';
import {
  CAVEAT,
  DEFAULT_THRESHOLD,
  type FaceReport,
  JPEG_HISTORY_HOW_TO_READ,
  REGIONS,
  REPORT_VERSION,
  type Report,
  ReportSchema,
  verdictFor,
} from './report.ts';

/** Mirrors `@unwarp/jobs` STAGES (minus `storing`): do not add members without updating it. */
export type Stage = 'decoding' | 'detecting faces' | 'predicting' | 'rendering' | 'done';

export type AnalyzeOptions = {
  /** Skip face detection: the whole image is one face crop (already-cropped portraits). */
  noCrop?: boolean;
  threshold?: number;
  /** Refuse images with more pixels than this, before decoding them. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  fileName?: string;
  /**
   * Run the classic forensic aids of `@unwarp/aids` (metadata, Content Credentials, ELA, noise, JPEG history) on the
   * input bytes: `report.aids` plus the `ela.png` and `noise.png` maps. Default true. A failure inside the aids never
   * fails the analysis: it becomes a warning and `report.aids` is absent.
   */
  aids?: boolean;
  onStage?: (stage: Stage) => void;
};

export type Analysis = {
  report: Report;
  /** The upright input (EXIF orientation applied, 8-bit sRGB). */
  image: RgbImage;
  /** Predicted W for the whole upright image, in its pixels; exactly zero outside the analysed face crops. */
  flow: FlowField;
  /** The upright input with every analysed face un-warped by inverting W; identical to `image` outside the crops. */
  recovered: RgbImage;
  /** The face crops (image pixels) the flow was predicted in; empty when no face was found. */
  crops: Box[];
  /** Each face window's probability painted over the image (NaN away from the faces): where the scores come from. */
  evidence: EvidenceMap;
  /**
   * The photo's aligned double-JPEG map over `area` (image pixels), where it was read (a JPEG upload with a face):
   * what history.png draws. Present exactly when `report.jpegHistory` is.
   */
  history?: { map: DoubleJpegMap; area: Box };
  /** The aids' maps (at most 2048 px a side), present exactly when `report.aids` is. */
  aidImages?: { ela: RgbImage; noise: RgbImage };
};

export type Analyzer = {
  analyze(input: Buffer, opts?: AnalyzeOptions): Promise<Analysis>;
  readonly modelName: string;
  readonly backend: string;
  /** Why the model is not to be trusted yet (its manifest's `training.experimental`), or undefined. */
  readonly experimental: string | undefined;
  dispose(): void;
};

export type AnalyzerOptions = {
  modelDir?: string;
  /** Most faces analysed per photo (best detection scores first); a warning says when more were found. Default 16. */
  maxFaces?: number;
  /** Short side of the face crop fed to the network. Default: the model's training crop size. */
  cropShortSide?: number;
  /** Longest side of the copy that faces are searched on (big photos are never searched at full size). Default 1600. */
  detectionMaxSide?: number;
};

const here = path.dirname(fileURLToPath(import.meta.url));
/** Shipped weights, overridable with UNWARP_MODEL_DIR. */
export const DEFAULT_MODEL_DIR = path.resolve(here, '../../../models/unwarp-base');
export const DEFAULT_MAX_PIXELS = 64_000_000;
/** Images smaller than this on either side are refused: there is no face to analyse in them. */
export const MIN_SIDE = 32;
const DEFAULT_MAX_FACES = 16;
const DEFAULT_DETECTION_MAX_SIDE = 1600;
/** The network never sees more than this many pixels along a side (whole-image scores of panoramas). */
const MAX_NETWORK_SIDE = 1600;
/** Faces whose crop's short side is under this many pixels get a warning: little detail for the model at any scale. */
const SMALL_CROP_SIDE = 100;
/** Largest photo whose whole JPEG history map is computed (memory: 64 coefficients a block, twice). */
const HISTORY_MAX_PIXELS = 16_000_000;
/** Formats sharp can read that are not photographs: refused rather than rasterised. */
const NOT_PHOTOS = new Set(['svg', 'pdf']);

/** Loads the face detector and the warp model once; analyse many photos with it. */
export async function createAnalyzer(opts: AnalyzerOptions = {}): Promise<Analyzer> {
  const modelDir = opts.modelDir ?? process.env.UNWARP_MODEL_DIR ?? DEFAULT_MODEL_DIR;
  const maxFaces = opts.maxFaces ?? DEFAULT_MAX_FACES;
  // One more than we analyse, so that a crowd larger than maxFaces can be reported.
  const [model, faces] = await Promise.all([loadDetector(modelDir), createFaceDetector({ maxFaces: maxFaces + 1 })]);
  return {
    modelName: `${model.manifest.name}@${model.manifest.version}`,
    backend: model.backend.backend,
    experimental: experimentalNote(model),
    analyze: (input, o) => analyzeWith(model, faces, input, { ...opts, maxFaces, ...o }),
    dispose() {
      model.dispose();
      faces.dispose();
    },
  };
}

type Target = { face?: Face; crop: Box; score: number };

async function analyzeWith(
  model: WarpDetector,
  detector: FaceDetector,
  input: Buffer,
  opts: AnalyzeOptions & AnalyzerOptions & { maxFaces: number },
): Promise<Analysis> {
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  // A model that has not met its validation targets says so in every report, so no one mistakes its scores for evidence.
  const experimental = model.manifest.training?.experimental;
  if (experimental)
    warnings.push(`model ${model.manifest.name}@${model.manifest.version} is experimental: ${String(experimental)}`);
  if (!model.predictsFlow)
    warnings.push(
      `model ${model.manifest.name}@${model.manifest.version} scores faces but ${model.noFlowReason ?? 'does not predict the warp field'}: W is zero, so the heatmap is empty and recovered.png is the input`,
    );
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  // The whole-image fallback is never enlarged past this (nor past the photo itself).
  const trainingShortSide = opts.cropShortSide || model.manifest.recipe.data.cropShortSide || 400;
  const start = performance.now();
  let t = start;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };

  opts.onStage?.('decoding');
  const sha256 = createHash('sha256').update(input).digest('hex');
  const meta = await inspect(input, maxPixels);
  const image = await loadUpright(input, { maxPixels });
  if (image.width < MIN_SIDE || image.height < MIN_SIDE)
    throw new ImageDecodeError(
      'unsupported',
      `image is ${image.width} x ${image.height} px: too small to analyse (at least ${MIN_SIDE} px a side)`,
    );
  warnings.push(...conversionWarnings(meta));
  lap('decode');

  opts.onStage?.('detecting faces');
  let faces: Face[] = [];
  let detectionScale = 1;
  if (!opts.noCrop) {
    detectionScale = Math.min(
      1,
      (opts.detectionMaxSide ?? DEFAULT_DETECTION_MAX_SIDE) / Math.max(image.width, image.height),
    );
    faces = await detectFaces(detector, image, detectionScale);
    if (faces.length > opts.maxFaces) {
      warnings.push(
        `more than ${opts.maxFaces} faces were found: only the ${opts.maxFaces} most confident were analysed`,
      );
      faces = faces.slice(0, opts.maxFaces);
    }
  }
  lap('faces');

  opts.onStage?.('predicting');
  const flow = createFlow(image.width, image.height);
  const full: Box = { x: 0, y: 0, width: image.width, height: image.height };
  const targets: Target[] = opts.noCrop
    ? [{ crop: full, score: 1 }]
    : faces.map((face) => ({ face, crop: cropBoxFor(face.box, image.width, image.height), score: face.score }));
  const evidence = createEvidenceMap(image.width, image.height);
  const toProbability = (logit: number) => calibratedProbability(logit, model.manifest.calibration);
  const predicted: (BlendCrop & {
    target: Target;
    probability: number;
    fieldShown: boolean;
    movedMax: number;
    networkScale: number;
    hotspot: Hotspot;
  })[] = [];
  const small: number[] = [];
  // Faces narrower than any band of face width where the field's calibration kept a gain: their W is zero.
  const unfielded: { index: number; width: number }[] = [];
  // Model-free evidence beside the network: where a face lost the photo's earlier JPEG compression. The model's
  // manifest says how much of it enters the face's score (inference.compressionBreakWeight, on the statistic its
  // inference.historyTerm names).
  const faceCrops = targets.filter((t) => t.face).map((t) => t.crop);
  // The whole photo gives the histograms the most blocks; past HISTORY_MAX_PIXELS only the faces' crops are read.
  const historyArea = image.width * image.height <= HISTORY_MAX_PIXELS ? full : faceCrops.reduce(union, faceCrops[0]!);
  let history: ReturnType<typeof jpegHistory>;
  try {
    history = faceCrops.length > 0 ? jpegHistory(input, image, historyArea) : undefined;
  } catch (err) {
    // Never worth the analysis: the faces are scored by the network alone.
    const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 300);
    warnings.push(`the photo's JPEG history could not be read, so the face scores leave it out: ${why}`);
  }
  lap('history');
  const breaks: (
    | {
        value: number;
        evidence: number;
        grid: FaceHistoryReading['grid'] | undefined;
        counted: boolean;
        hotspot: { box: Box; nats: number } | undefined;
      }
    | undefined
  )[] = [];
  const breakWeighed = (model.manifest.inference?.compressionBreakWeight ?? 0) !== 0;
  for (const target of targets) {
    const { crop } = target;
    if (crop.width < 8 || crop.height < 8) continue;
    // The network sees the crop at the model's scale (`networkScale`: its training crop size, or the photo's own
    // pixels within bounds), whatever the photo's size: a 24-megapixel photo never becomes a 24-megapixel tensor.
    // A whole image (--no-crop) is capped on its long side.
    const size = networkSize(
      crop,
      opts.cropShortSide ? opts.cropShortSide / shortSideOf(crop) : networkScale(model.manifest, crop),
    );
    if (shortSideOf(crop) < SMALL_CROP_SIDE && target.face) small.push(predicted.length);
    const region = target.face
      ? landmarkRegion(target.face, crop, size)
      : { x0: 0, y0: 0, x1: size.width, y1: size.height };
    // The face's landmark extent in the history map's pixels (its area at scale 1).
    const historyRegion = history && target.face ? landmarkRegion(target.face, history.area, history.area) : undefined;
    // Read from the map that holds the earlier save (after a crop between the saves, the one on another grid); none
    // (0) where the photo shows no earlier save.
    const reading = history && historyRegion ? faceHistoryReading(history, historyRegion) : undefined;
    const faceHistory =
      history && historyRegion
        ? { value: reading?.compressionBreak ?? 0, evidence: reading?.evidence ?? 0, grid: reading?.grid }
        : undefined;
    const pred = await model.predict(await cropResize(image, crop, size.width, size.height), {
      region,
      compressionBreak: faceHistory?.value,
      historyEvidence: faceHistory?.evidence,
      jpegQuality: history?.quality,
      // A model that shows its field only on flagged faces flags them at the caller's threshold.
      threshold,
    });
    // Outlined only where the evidence leans clearly edited (every face breaks somewhere, by a little) at a quality
    // the model trusts it at: after an export below the earlier save's quality most untouched faces lean edited too.
    const outlined = faceHistory && faceHistory.evidence > HOTSPOT_MIN_EVIDENCE && (!breakWeighed || pred.breakCounted);
    breaks.push(
      faceHistory && {
        ...faceHistory,
        counted: pred.breakCounted,
        hotspot:
          outlined && history && reading && historyRegion
            ? historyHotspot({ map: reading.map, area: history.area }, historyRegion)
            : undefined,
      },
    );
    if (target.face && pred.fieldGain === 0)
      unfielded.push({ index: predicted.length, width: Math.round(region.x1 - region.x0) });
    // Back to image pixels: resizeFlow resamples to the crop's size and scales the vectors by the same factor.
    const field = resizeFlow(pred.flow, crop.width, crop.height);
    predicted.push({
      target,
      crop,
      field,
      probability: pred.probability,
      fieldShown: pred.fieldShown,
      movedMax: pred.movedMax,
      networkScale: size.width / crop.width,
      hotspot: paintEvidence(evidence, pred.grid, crop, size, region, toProbability),
    });
  }
  // A save found on another grid is shown and reported where a face's history was read from it.
  const shiftedRead = breaks.some((b) => b?.grid === 'shifted');
  // `predict` picked each face's field gain by this too: JPEG files have their own bands.
  const lastSaveJpeg = history?.quality !== undefined;
  if (unfielded.length > 0) {
    const field = model.manifest.calibration?.field;
    const bands = (field && fieldBandsFor(field, lastSaveJpeg)) ?? [];
    const from = Math.min(...bands.filter((b) => b.gain > 0).map((b) => b.minFaceWidth));
    const files = lastSaveJpeg ? 'photos last saved as JPEG' : 'losslessly saved photos';
    const found = Number.isFinite(from)
      ? `helps only on faces ${from} px wide or more`
      : `does not help on ${files} at any face size`;
    warnings.push(
      `no warp field is shown for ${unfielded.map((u) => `face ${u.index} (${u.width} px wide)`).join(', ')}: the model's calibration found its field ${found}`,
    );
  }
  if (small.length > 0)
    warnings.push(
      `${small.length === 1 ? `face ${small[0]} is` : `faces ${small.join(', ')} are`} small in the photo (crop under ${SMALL_CROP_SIDE} px), so ${small.length === 1 ? 'its result is' : 'their results are'} less reliable`,
    );
  // Overlapping crops are blended, and each field fades to zero towards the crop edges that lie inside the photo,
  // so W has no seams and is exactly zero away from the faces.
  const owned = blendCrops(flow, predicted);

  const faceReports: FaceReport[] = [];
  predicted.forEach((p, i) => {
    const face = p.target.face;
    if (!face) return;
    const breakEvidence = breaks[i];
    faceReports.push({
      index: faceReports.length,
      box: roundBox(face.box),
      cropBox: p.crop,
      networkScale: round(p.networkScale, 4),
      detectionScore: round(face.score, 4),
      probability: round(p.probability, 4),
      fieldShown: p.fieldShown,
      movedMax: round(p.movedMax, 4),
      hotspot: { box: p.hotspot.box, probability: round(p.hotspot.probability, 4) },
      ...(breakEvidence !== undefined
        ? {
            compressionBreak: round(breakEvidence.value, 2),
            historyEvidence: round(breakEvidence.evidence, 2),
            ...(breakEvidence.grid ? { historyGrid: breakEvidence.grid } : {}),
            // Only where the model weighs the break at all: then `false` means the file's quality kept it out.
            ...(breakWeighed ? { compressionBreakInScore: breakEvidence.counted } : {}),
            ...(breakEvidence.hotspot
              ? { historyHotspot: { ...breakEvidence.hotspot, near: regionsNear(breakEvidence.hotspot.box, face) } }
              : {}),
          }
        : {}),
      verdict: verdictFor(p.probability, threshold, { experimental: Boolean(experimental) }),
      displacement: statsOf(owned[i]!),
      regions: regionStats(flow, face),
      landmarks: face.landmarks68.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
    });
  });

  let imageScore: Report['imageScore'];
  if (opts.noCrop) {
    const whole = predicted[0]!;
    imageScore = {
      probability: round(whole.probability, 4),
      method: 'whole image as one face crop (--no-crop)',
      displacement: statsOf(owned[0]!),
    };
  } else if (faceReports.length === 0) {
    // No face: W stays zero (nothing to un-warp), but the photo still gets a score, from the whole image.
    const short = shortSideOf(full);
    const native = !opts.cropShortSide && seesNatively(model.manifest);
    // Never enlarged past the photo itself (but to 64 px at least): a whole image is not a face crop.
    const size = networkSize(
      full,
      native ? networkScale(model.manifest, full) : Math.min(trainingShortSide, Math.max(64, short)) / short,
    );
    const pred = await model.predict(await cropResize(image, full, size.width, size.height), { scoreOnly: true });
    imageScore = { probability: round(pred.probability, 4), method: 'whole image (no face found)' };
    warnings.push(
      `no face was found${detectionScale < 1 ? ` (searched on a ${Math.round(image.width * detectionScale)} x ${Math.round(image.height * detectionScale)} copy; very small faces may be missed)` : ''}: the score is for the whole image, which the model was not trained on, and no warp field was predicted`,
    );
  }
  lap('predict');

  opts.onStage?.('rendering');
  const crops = predicted.map((p) => p.crop);
  const recovered = recoverImage(image, flow, clusterBoxes(crops));
  lap('recover');

  let aids: AidsReport | undefined;
  let aidImages: Analysis['aidImages'];
  if (opts.aids !== false) {
    try {
      const r = await runAids(input);
      aids = r.report;
      aidImages = r.images;
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim().slice(0, 300);
      warnings.push(`the forensic aids (metadata, ELA, noise, JPEG) could not run on this file: ${why}`);
    }
    lap('aids');
  }
  timings.total = Math.round(performance.now() - start);

  const probability =
    faceReports.length > 0 ? Math.max(...faceReports.map((f) => f.probability)) : (imageScore?.probability ?? 0);
  const verdict = verdictFor(probability, threshold, { experimental: Boolean(experimental) });
  const report: Report = {
    version: REPORT_VERSION,
    probability,
    verdict: faceReports.length === 0 && !opts.noCrop ? `No face found. ${verdict}` : verdict,
    caveat: CAVEAT,
    threshold,
    image: {
      ...(opts.fileName ? { file: opts.fileName } : {}),
      width: image.width,
      height: image.height,
      format: meta.format ?? 'unknown',
      sha256,
      bytes: input.length,
      exifOrientation: image.orientation,
      orientationApplied: image.orientation !== 1,
    },
    faces: faceReports,
    noFace: faceReports.length === 0,
    ...(history
      ? {
          jpegHistory: {
            lastQuality: history.quality ?? null,
            earlierSaveFound: history.map.frequencies.length > 0 || shiftedRead,
            // In the photo's pixels: past HISTORY_MAX_PIXELS the map was read on the faces' crops.
            earlierSaveShift:
              history.shifted && shiftedRead
                ? {
                    x: (history.area.x + history.shifted.offset.x) % 8,
                    y: (history.area.y + history.shifted.offset.y) % 8,
                  }
                : null,
            colourScale: round(history.map.scale, 3),
            countedInScore: breakWeighed ? breaks.some((b) => b?.counted) : null,
            howToRead: JPEG_HISTORY_HOW_TO_READ,
          },
        }
      : {}),
    ...(imageScore ? { imageScore } : {}),
    model: modelSummary(model, lastSaveJpeg),
    backend: model.backend.backend,
    timings,
    warnings,
    ...(aids ? { aids } : {}),
    createdAt: new Date().toISOString(),
  };
  return {
    report: ReportSchema.parse(report),
    image,
    flow,
    recovered,
    crops,
    evidence,
    // history.png shows the map the faces' history was read from: the shifted save's where a face read it.
    ...(history
      ? { history: { map: shiftedRead && history.shifted ? history.shifted.map : history.map, area: history.area } }
      : {}),
    ...(aidImages ? { aidImages } : {}),
  };
}

/**
 * Where a face's JPEG history breaks most (`compressionBreakWindow` at BREAK_HOTSPOT_SHARE of the face's landmark
 * extent), in image pixels, and its nats; undefined where nothing breaks (always so without a history: every block 0).
 */
function historyHotspot(
  history: { map: DoubleJpegMap; area: Box },
  region: { x0: number; y0: number; x1: number; y1: number },
): { box: Box; nats: number } | undefined {
  const w = compressionBreakWindow(history.map, region, BREAK_HOTSPOT_SHARE);
  if (!w) return undefined;
  const x0 = history.area.x + w.x0;
  const y0 = history.area.y + w.y0;
  return { box: { x: x0, y: y0, width: w.x1 - w.x0, height: w.y1 - w.y0 }, nats: round(w.nats, 2) };
}

/**
 * Reads the header only. Refuses non-photo formats and images over the pixel limit with a message that gives the
 * size; anything unreadable is left to loadUpright, which classifies it.
 */
export async function inspect(input: Buffer, maxPixels: number): Promise<Metadata | Partial<Metadata>> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    return {};
  }
  if (meta.format && NOT_PHOTOS.has(meta.format))
    throw new ImageDecodeError('unsupported', `${meta.format.toUpperCase()} is a drawing format, not a photograph`);
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w * h > maxPixels)
    throw new ImageDecodeError(
      'too-large',
      `image is ${w} x ${h} px (${formatMp(w * h)}), over the limit of ${formatMp(maxPixels)}: refused before decoding`,
    );
  return meta;
}

const formatMp = (px: number) => `${px >= 1e7 ? Math.round(px / 1e6) : (px / 1e6).toFixed(1)} megapixels`;

const DEPTH_BITS: Record<string, string> = {
  char: '8-bit signed',
  ushort: '16-bit',
  short: '16-bit',
  uint: '32-bit',
  int: '32-bit',
  float: '32-bit float',
  complex: 'complex',
  double: '64-bit float',
  dpcomplex: 'complex',
};

/** What loadUpright had to change to get 8-bit sRGB, said in words. */
function conversionWarnings(meta: Partial<Metadata>): string[] {
  const out: string[] = [];
  const fmt = meta.format ?? 'image';
  if (meta.pages && meta.pages > 1)
    out.push(`animated ${fmt.toUpperCase()} with ${meta.pages} frames: only the first frame was analysed`);
  if (meta.depth && meta.depth !== 'uchar')
    out.push(`${DEPTH_BITS[meta.depth] ?? meta.depth} samples were reduced to 8 bits`);
  const space = meta.space;
  const grey = space === 'b-w' || space === 'grey16' || meta.channels === 1 || meta.channels === 2;
  if (space === 'cmyk') out.push('CMYK image: converted to sRGB, colours may differ slightly from the print original');
  else if (grey)
    out.push('greyscale image: analysed as RGB with three equal channels (the model was trained on colour)');
  else if (space && !['srgb', 'rgb', 'rgb16', 'b-w', 'grey16'].includes(space))
    out.push(`colour space ${space} was converted to sRGB`);
  if (meta.hasAlpha) out.push('the image has an alpha channel: transparent areas were flattened onto white');
  return out;
}

/**
 * The aligned double-JPEG map of a JPEG upload (`@unwarp/aids`) over `area` of it, on the upright pixels with the
 * header's luma table (transposed when the EXIF orientation swapped the axes; the grid's phase is searched).
 * Undefined for other formats: no compression history to read.
 */
function jpegHistory(
  input: Buffer,
  image: RgbImage & { orientation?: number },
  area: Box,
): { map: DoubleJpegMap; area: Box; quality?: number; shifted?: ShiftedHistory } | undefined {
  const table = lumaTableOf(input);
  if (!table) return undefined;
  const quality = estimateJpegQuality(input).quality ?? undefined;
  const steps = (image.orientation ?? 1) >= 5 ? table.map((_, i) => table[(i % 8) * 8 + (i >> 3)]!) : table;
  const part = cropImage(image, area);
  const luma = lumaOf(part.data, part.width, part.height);
  return {
    ...readJpegHistory(luma, part.width, part.height, { steps, rgb: part.data }),
    area,
    ...(quality !== undefined ? { quality } : {}),
  };
}

/** Searches a copy at most detectionMaxSide on its long side; boxes and landmarks are scaled back to the image. */
export async function detectFaces(detector: FaceDetector, image: RgbImage, s: number): Promise<Face[]> {
  if (s === 1) return detector.detect(image);
  const w = Math.max(1, Math.round(image.width * s));
  const h = Math.max(1, Math.round(image.height * s));
  const small = await cropResize(image, { x: 0, y: 0, width: image.width, height: image.height }, w, h);
  const sx = image.width / w;
  const sy = image.height / h;
  const map = ([x, y]: [number, number]): [number, number] => [(x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5];
  return (await detector.detect(small)).map((f) => ({
    ...f,
    box: { x: f.box.x * sx, y: f.box.y * sy, width: f.box.width * sx, height: f.box.height * sy },
    landmarks68: f.landmarks68.map(map),
    ...(f.mesh ? { mesh: f.mesh.map(map) } : {}),
    regions: Object.fromEntries(Object.entries(f.regions).map(([k, pts]) => [k, pts.map(map)])) as Face['regions'],
  }));
}

const shortSideOf = (crop: Box) => Math.min(crop.width, crop.height);

/** The crop's size resized by `scale`, with the long side capped at MAX_NETWORK_SIDE. */
function networkSize(crop: Box, scale: number): { width: number; height: number } {
  const k = Math.min(scale, MAX_NETWORK_SIDE / Math.max(crop.width, crop.height));
  return {
    width: Math.max(MIN_SIDE, Math.round(crop.width * k)),
    height: Math.max(MIN_SIDE, Math.round(crop.height * k)),
  };
}

/** The face's landmark extent on the network's input grid (the crop resized to `size`): where it scores the face. */
function landmarkRegion(face: Face, crop: Box, size: { width: number; height: number }) {
  const sx = size.width / crop.width;
  const sy = size.height / crop.height;
  const xs = face.landmarks68.map(([x]) => (x - crop.x) * sx);
  const ys = face.landmarks68.map(([, y]) => (y - crop.y) * sy);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function modelSummary(model: WarpDetector, lastSaveJpeg: boolean): Report['model'] {
  const { name, version, calibration: c } = model.manifest;
  const passes = model.predictsFlow ? (model.manifest.inference?.refine?.passes ?? 0) : 0;
  return {
    name,
    version,
    predictsFlow: model.predictsFlow,
    ...(passes > 0 ? { refinePasses: passes } : {}),
    ...(c
      ? {
          calibration: {
            pools: c.pools,
            faces: c.faces,
            falsePositiveRate: c.fpr,
            detectionRate: c.tpr,
            ...(c.field && model.predictsFlow
              ? {
                  fieldGains: fieldBandsFor(c.field, lastSaveJpeg)?.map(({ minFaceWidth, gain }) => ({
                    minFaceWidth,
                    gain,
                  })) ?? [{ minFaceWidth: 0, gain: c.field.gain }],
                }
              : {}),
          },
        }
      : {}),
  };
}

function experimentalNote(model: WarpDetector): string | undefined {
  const note = model.manifest.training?.experimental;
  return note ? String(note) : undefined;
}

export async function cropResize(image: RgbImage, crop: Box, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
    limitInputPixels: false,
  })
    .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * Undoes W inside each cluster of overlapping crops by true inversion (fixed-point inverse, then a bicubic backward
 * warp). W fades to zero at every cluster edge inside the photo, so each cluster is exact on its own; pixels outside
 * every cluster are copied untouched.
 */
function recoverImage(image: RgbImage, flow: FlowField, regions: Box[]): RgbImage {
  const out: RgbImage = { ...image, data: new Uint8Array(image.data) };
  for (const r of regions) {
    const fixed = unwarp(cropImage(image, r), cropFlow(flow, r), { interpolation: 'bicubic' }).image;
    for (let y = 0; y < r.height; y++)
      out.data.set(fixed.data.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((r.y + y) * image.width + r.x) * 3);
  }
  return out;
}

/** max, mean and 95th percentile of |W| in px over the whole field. */
export function displacementStats(W: FlowField): { max: number; mean: number; p95: number } {
  return statsOf(flowMagnitude(W));
}

function statsOf(mag: Float32Array): { max: number; mean: number; p95: number } {
  if (mag.length === 0) return { max: 0, mean: 0, p95: 0 };
  let sum = 0;
  let max = 0;
  for (const m of mag) {
    sum += m;
    if (m > max) max = m;
  }
  const sorted = Float32Array.from(mag).sort();
  return {
    max: round(max, 3),
    mean: round(sum / mag.length, 3),
    p95: round(sorted[Math.floor(0.95 * (sorted.length - 1))]!, 3),
  };
}

/**
 * The face's regions (not `outline`, which repeats the jaw and brows) with a landmark inside `box` padded as in
 * regionStats, the one whose landmark lies nearest the box's centre first: in words, where on the face a box lies.
 * Landmarks, not region boxes: the jaw's box spans the lower face from ear to ear.
 */
export function regionsNear(box: Box, face: Face): (typeof REGIONS)[number][] {
  const pad = 0.08 * face.box.width;
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  const near: [(typeof REGIONS)[number], number][] = [];
  for (const name of REGIONS) {
    const pts = (name !== 'outline' && face.regions[name]) || [];
    const inside = pts.filter(
      ([x, y]) => x >= box.x - pad && x < box.x + box.width + pad && y >= box.y - pad && y < box.y + box.height + pad,
    );
    if (inside.length > 0) near.push([name, Math.min(...inside.map(([x, y]) => Math.hypot(x - cx, y - cy)))]);
  }
  return near.sort((a, b) => a[1] - b[1]).map(([name]) => name);
}

/** Mean and max |W| inside each region's landmark box, padded by 8% of the face width. */
export function regionStats(flow: FlowField, face: Face): FaceReport['regions'] {
  const pad = 0.08 * face.box.width;
  const out = {} as FaceReport['regions'];
  for (const name of REGIONS) {
    const pts = face.regions[name];
    if (!pts || pts.length === 0) continue;
    const x0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p[0])) - pad));
    const y0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p[1])) - pad));
    const x1 = Math.min(flow.width, Math.ceil(Math.max(...pts.map((p) => p[0])) + pad));
    const y1 = Math.min(flow.height, Math.ceil(Math.max(...pts.map((p) => p[1])) + pad));
    if (x1 <= x0 || y1 <= y0) continue;
    const stats = displacementStats(cropFlow(flow, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
    out[name] = { mean: stats.mean, max: stats.max };
  }
  return out;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
const roundBox = (b: Box): Box => ({
  x: Math.round(b.x),
  y: Math.round(b.y),
  width: Math.round(b.width),
  height: Math.round(b.height),
});
