import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { type Face, type FaceDetector, type RgbImage, cropBoxFor, cropScale, createFaceDetector, loadUpright } from '@unwarp/faces';
import { type FlowField, createFlow, cropFlow, flowMagnitude, placeFlow, resizeFlow, unwarp } from '@unwarp/flow';
import { type WarpDetector, loadDetector } from '@unwarp/model';
import sharp from 'sharp';
import { CAVEAT, type FaceReport, REGIONS, REPORT_VERSION, type Report, ReportSchema, verdictFor } from './report.ts';

export type Stage = 'decoding' | 'detecting faces' | 'predicting' | 'rendering' | 'done';

export type AnalyzeOptions = {
  /** Skip face detection: the whole image is one face crop (already-cropped portraits). */
  noCrop?: boolean;
  threshold?: number;
  maxPixels?: number;
  fileName?: string;
  onStage?: (stage: Stage) => void;
};

export type Analysis = {
  report: Report;
  /** The upright input. */
  image: RgbImage;
  /** Predicted W for the whole image (zero outside analysed faces). */
  flow: FlowField;
  recovered: RgbImage;
};

export type Analyzer = {
  analyze(input: Buffer, opts?: AnalyzeOptions): Promise<Analysis>;
  readonly modelName: string;
  readonly backend: string;
  dispose(): void;
};

export type AnalyzerOptions = { modelDir?: string; maxFaces?: number; cropShortSide?: number; detectionMaxSide?: number };

const here = path.dirname(fileURLToPath(import.meta.url));
/** Shipped weights, overridable with UNWARP_MODEL_DIR. */
export const DEFAULT_MODEL_DIR = path.resolve(here, '../../../models/unwarp-base');
export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_MAX_PIXELS = 64_000_000;

/** Loads the face detector and the warp model once; analyse many photos with it. */
export async function createAnalyzer(opts: AnalyzerOptions = {}): Promise<Analyzer> {
  const modelDir = opts.modelDir ?? process.env.UNWARP_MODEL_DIR ?? DEFAULT_MODEL_DIR;
  const [model, faces] = await Promise.all([loadDetector(modelDir), createFaceDetector({ maxFaces: opts.maxFaces ?? 8 })]);
  return {
    modelName: `${model.manifest.name}@${model.manifest.version}`,
    backend: model.backend.backend,
    analyze: (input, o) => analyzeWith(model, faces, input, { ...opts, ...o }),
    dispose() {
      model.dispose();
      faces.dispose();
    },
  };
}

async function analyzeWith(
  model: WarpDetector,
  detector: FaceDetector,
  input: Buffer,
  opts: AnalyzeOptions & AnalyzerOptions,
): Promise<Analysis> {
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const shortSide = opts.cropShortSide ?? model.manifest.recipe.data.cropShortSide;
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };

  opts.onStage?.('decoding');
  const sha256 = createHash('sha256').update(input).digest('hex');
  const image = await loadUpright(input, { maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS });
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  if (meta.pages && meta.pages > 1) warnings.push(`animated image with ${meta.pages} frames: only the first frame was analysed`);
  if (meta.depth && meta.depth !== 'uchar') warnings.push(`${meta.depth} samples were reduced to 8 bits`);
  if (meta.space && meta.space !== 'srgb' && meta.space !== 'rgb' && meta.space !== 'b-w') warnings.push(`colour space ${meta.space} was converted to sRGB`);
  lap('decode');

  opts.onStage?.('detecting faces');
  let faces: Face[] = [];
  if (!opts.noCrop) faces = await detectFaces(detector, image, opts.detectionMaxSide ?? 1600);
  lap('faces');

  opts.onStage?.('predicting');
  const flow = createFlow(image.width, image.height);
  const faceReports: FaceReport[] = [];
  const cropsDone: { box: { x: number; y: number; width: number; height: number } }[] = [];
  let imageScore: Report['imageScore'];
  const targets = opts.noCrop
    ? [{ face: undefined, crop: { x: 0, y: 0, width: image.width, height: image.height } }]
    : faces.map((face) => ({ face, crop: cropBoxFor(face.box, image.width, image.height) }));
  // Best-scoring faces go last so their field wins where crops overlap.
  const results: { face?: Face; crop: { x: number; y: number; width: number; height: number }; probability: number; movedMax: number; regionFlow: FlowField }[] = [];
  for (const { face, crop } of targets) {
    if (crop.width < 8 || crop.height < 8) continue;
    const { width, height } = cropScale(crop, shortSide);
    const pixels = await cropResize(image, crop, width, height);
    const pred = await model.predict(pixels);
    // Back to image pixels: resizeFlow scales the vectors by crop size / input size = 1/scale.
    const regionFlow = resizeFlow(pred.flow, crop.width, crop.height);
    results.push({ face, crop, probability: pred.probability, movedMax: pred.movedMax, regionFlow });
  }
  for (const r of [...results].reverse()) placeFlow(flow, r.regionFlow, r.crop.x, r.crop.y);
  results.forEach((r, index) => {
    if (!r.face) return;
    const stats = displacementStats(cropFlow(flow, r.crop));
    faceReports.push({
      index,
      box: roundBox(r.face.box),
      cropBox: r.crop,
      detectionScore: round(r.face.score, 4),
      probability: round(r.probability, 4),
      movedMax: round(r.movedMax, 4),
      verdict: verdictFor(r.probability, threshold),
      displacement: stats,
      regions: regionStats(flow, r.face),
      landmarks: r.face.landmarks68.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
    });
    cropsDone.push({ box: r.crop });
  });
  if (faceReports.length === 0) {
    if (!opts.noCrop) warnings.push('no face was found: the score below is for the whole image, which the model was not trained on');
    const whole = results[0] ?? (await wholeImage(model, image, shortSide, flow));
    imageScore = { probability: round(whole.probability, 4), method: opts.noCrop ? 'whole image as one face crop' : 'whole image (no face found)' };
  }
  lap('predict');

  opts.onStage?.('rendering');
  const recovered = recoverImage(image, flow, faceReports.length > 0 ? cropsDone.map((c) => c.box) : [{ x: 0, y: 0, width: image.width, height: image.height }]);
  lap('recover');

  const probability = faceReports.length > 0 ? Math.max(...faceReports.map((f) => f.probability)) : (imageScore?.probability ?? 0);
  const report: Report = {
    version: REPORT_VERSION,
    probability,
    verdict: faceReports.length === 0 && !opts.noCrop ? `No face found. ${verdictFor(probability, threshold)}` : verdictFor(probability, threshold),
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
    ...(imageScore ? { imageScore } : {}),
    model: { name: model.manifest.name, version: model.manifest.version },
    backend: model.backend.backend,
    timings,
    warnings,
    createdAt: new Date().toISOString(),
  };
  return { report: ReportSchema.parse(report), image, flow, recovered };
}

async function detectFaces(detector: FaceDetector, image: RgbImage, maxSide: number): Promise<Face[]> {
  const s = Math.min(1, maxSide / Math.max(image.width, image.height));
  if (s === 1) return detector.detect(image);
  // Big photos are searched at a bounded size; boxes and landmarks are scaled back.
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

async function wholeImage(model: WarpDetector, image: RgbImage, shortSide: number, flow: FlowField) {
  const full = { x: 0, y: 0, width: image.width, height: image.height };
  const { width, height } = cropScale(full, Math.min(shortSide, Math.min(image.width, image.height)));
  const pred = await model.predict(await cropResize(image, full, width, height));
  placeFlow(flow, resizeFlow(pred.flow, image.width, image.height), 0, 0);
  return pred;
}

export async function cropResize(
  image: RgbImage,
  crop: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
): Promise<RgbImage> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false })
    .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Undo the predicted field inside each analysed region; pixels elsewhere are copied untouched. */
function recoverImage(image: RgbImage, flow: FlowField, regions: { x: number; y: number; width: number; height: number }[]): RgbImage {
  const out: RgbImage = { ...image, data: new Uint8Array(image.data) };
  for (const r of regions) {
    const region = cropImage(image, r);
    const fixed = unwarp(region, cropFlow(flow, r), { interpolation: 'bicubic' }).image;
    for (let y = 0; y < r.height; y++)
      out.data.set(fixed.data.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((r.y + y) * image.width + r.x) * 3);
  }
  return out;
}

function cropImage(image: RgbImage, r: { x: number; y: number; width: number; height: number }): RgbImage {
  const data = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const s = ((r.y + y) * image.width + r.x) * 3;
    data.set(image.data.subarray(s, s + r.width * 3), y * r.width * 3);
  }
  return { width: r.width, height: r.height, channels: 3, data };
}

export function displacementStats(W: FlowField): { max: number; mean: number; p95: number } {
  const mag = flowMagnitude(W);
  if (mag.length === 0) return { max: 0, mean: 0, p95: 0 };
  let sum = 0;
  let max = 0;
  for (const m of mag) {
    sum += m;
    if (m > max) max = m;
  }
  const sorted = Float32Array.from(mag).sort();
  return { max: round(max, 3), mean: round(sum / mag.length, 3), p95: round(sorted[Math.floor(0.95 * (sorted.length - 1))]!, 3) };
}

/** Mean and max |W| inside each region's landmark box, padded by 8% of the face width. */
function regionStats(flow: FlowField, face: Face): FaceReport['regions'] {
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
const roundBox = (b: { x: number; y: number; width: number; height: number }) => ({
  x: Math.round(b.x),
  y: Math.round(b.y),
  width: Math.round(b.width),
  height: Math.round(b.height),
});
