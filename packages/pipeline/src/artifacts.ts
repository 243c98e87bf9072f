import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Box, RgbImage } from '@unwarp/faces';
import {
  colorWheelLegend,
  encodeFlo,
  type FlowField,
  flowMagnitude,
  flowToColor,
  magnitudeHeatmap,
} from '@unwarp/flow';
import sharp from 'sharp';
import type { Analysis } from './analyze.ts';
import type { Comparison } from './compare.ts';
import type { EvidenceMap } from './evidence.ts';
import { AID_ARTIFACTS, ARTIFACTS, type Artifacts, CORE_ARTIFACTS, MODEL_ARTIFACTS } from './report.ts';

/** |W| (px) below which the heatmap shows the photo unchanged, and at which its colour saturates. */
export const HEATMAP_RANGE = { min: 0.5, max: 7 } as const;
const COMPARE_PANEL = 900;
const LABEL_HEIGHT = 28;

/** The output folder already holds something and `force` was not given (or it holds files we did not write). */
export class OutputExistsError extends Error {
  readonly code = 'exists';
  readonly retry = false;
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'OutputExistsError';
  }
}

type Raster = { width: number; height: number; data: Uint8Array | Uint8ClampedArray };

const raw = (img: Raster) =>
  sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  });

/**
 * Every artifact of one analysis as bytes, ready for a folder, object storage or an HTTP response: the core files
 * always, `ela.png` and `noise.png` when the aids ran (`analysis.aidImages`). No placeholder stands in for a map that
 * was not computed: a picture that looks like an ELA but is not one would mislead.
 */
export async function renderArtifacts(a: Analysis): Promise<Artifacts> {
  const [pictures, evidencePng, historyPng, elaPng, noisePng] = await Promise.all([
    renderWarpPictures(a),
    evidencePicture(
      a.image,
      a.evidence,
      a.report.faces.flatMap((f) => (f.hotspot ? [f.hotspot.box] : [])),
    ),
    a.history && a.report.jpegHistory
      ? historyPicture(
          a.image,
          a.history,
          a.report.faces.flatMap((f) => (f.historyHotspot ? [f.historyHotspot.box] : [])),
          a.report.jpegHistory,
        )
      : undefined,
    a.aidImages ? raw(a.aidImages.ela).png().toBuffer() : undefined,
    a.aidImages ? raw(a.aidImages.noise).png().toBuffer() : undefined,
  ]);
  return {
    'report.json': jsonBytes(a.report),
    ...pictures,
    'evidence.png': evidencePng,
    ...(historyPng ? { 'history.png': historyPng } : {}),
    ...(elaPng ? { 'ela.png': elaPng } : {}),
    ...(noisePng ? { 'noise.png': noisePng } : {}),
  };
}

/** The artifacts of a comparison with the original (`compareWithOriginal`): the same files, its own report. */
export async function renderComparisonArtifacts(c: Comparison): Promise<Artifacts> {
  return { 'report.json': jsonBytes(c.report), ...(await renderWarpPictures(c)) };
}

const jsonBytes = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** flow.flo, heatmap.png, recovered.png, flow.png and compare.png of a photo, its W and its recovered version. */
async function renderWarpPictures(a: {
  image: RgbImage;
  flow: FlowField;
  recovered: RgbImage;
}): Promise<Omit<Artifacts, 'report.json' | 'ela.png' | 'noise.png'>> {
  const heat = magnitudeHeatmap(a.image, a.flow, HEATMAP_RANGE);
  const [heatPng, recoveredPng, flowPng, comparePng] = await Promise.all([
    raw(heat).png().toBuffer(),
    raw(a.recovered).png().toBuffer(),
    flowPicture(a.flow),
    compare(a.image, heat, a.recovered),
  ]);
  return {
    'flow.flo': encodeFlo(a.flow),
    'recovered.png': recoveredPng,
    'heatmap.png': heatPng,
    'flow.png': flowPng,
    'compare.png': comparePng,
  };
}

/**
 * Where the model's face scores come from: the photo greyed, each face window's probability tinted over it (cyan below
 * the 0.5 threshold, stronger towards it; yellow to red from 0.5 to 1), each face's top window outlined, and a legend
 * row underneath.
 */
async function evidencePicture(image: RgbImage, map: EvidenceMap, hotspots: Box[]): Promise<Buffer> {
  const out = new Uint8Array(image.width * image.height * 3);
  for (let i = 0; i < map.data.length; i++) {
    const grey = greyOf(image, i);
    const p = map.data[i]!;
    let tint: [number, number, number] = [grey, grey, grey];
    let alpha = 0;
    if (p < 0.5) {
      // Below the threshold the shade still ranks the windows, which is where an edit shows first.
      const t = p / 0.5;
      tint = [0, Math.round(90 + 110 * t), 255];
      alpha = 0.1 + 0.45 * t;
    } else if (p >= 0.5) {
      const t = (p - 0.5) / 0.5;
      tint = [255, Math.round(220 * (1 - t)), 0];
      alpha = 0.45 + 0.35 * t;
    }
    out[3 * i] = grey * (1 - alpha) + tint[0] * alpha;
    out[3 * i + 1] = grey * (1 - alpha) + tint[1] * alpha;
    out[3 * i + 2] = grey * (1 - alpha) + tint[2] * alpha;
  }
  return annotated(image, out, hotspots, '#ff2d2d', [
    'window score: blue → cyan 0 → 0.5 · yellow → red 0.5 → 1 · box: top window',
  ]);
}

/**
 * Mean block LLR (nats) at which history.png's tint is strongest: blocks of a q95 export after a q92 save keep ~2.5, of
 * a q90 one ~0.03–0.3, where only sums over many blocks (the box) separate an edit from noise.
 */
const HISTORY_TINT_NATS = 0.4;
/** Blocks either side averaged into each block's tint: 5x5 blocks (40 px), about an eye's width. */
const HISTORY_TINT_RADIUS = 2;

/**
 * Where the photo's JPEG history breaks (report.jpegHistory.howToRead): the photo greyed, each 8x8 block tinted by
 * its double-JPEG log-likelihood ratio averaged over its 5x5 neighbourhood (teal: quantised twice, the earlier save
 * kept; magenta: quantised once), each face's strongest break outlined, and a legend row underneath.
 */
async function historyPicture(
  image: RgbImage,
  history: NonNullable<Analysis['history']>,
  hotspots: Box[],
  summary: NonNullable<Analysis['report']['jpegHistory']>,
): Promise<Buffer> {
  const out = new Uint8Array(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++) {
    const grey = greyOf(image, i);
    out[3 * i] = grey;
    out[3 * i + 1] = grey;
    out[3 * i + 2] = grey;
  }
  const { map, area } = history;
  if (summary.earlierSaveFound) {
    const smooth = neighbourhoodMean(map.llr, map.cols, map.rows, HISTORY_TINT_RADIUS);
    for (let r = 0; r < map.rows; r++)
      for (let c = 0; c < map.cols; c++) {
        const v = smooth[r * map.cols + c]!;
        const t = Math.min(1, Math.abs(v) / HISTORY_TINT_NATS);
        // Once (magenta) is the finding; twice (teal) the background it stands out from, so it stays lighter.
        const [tint, alpha]: [[number, number, number], number] =
          v < 0 ? [[235, 30, 200], 0.85 * t] : [[0, 165, 165], 0.35 * t];
        if (alpha <= 0) continue;
        const x0 = area.x + map.offsetX + 8 * c;
        const y0 = area.y + map.offsetY + 8 * r;
        for (let y = y0; y < Math.min(y0 + 8, image.height); y++)
          for (let x = x0; x < Math.min(x0 + 8, image.width); x++) {
            const i = 3 * (y * image.width + x);
            for (let k = 0; k < 3; k++) out[i + k] = out[i + k]! * (1 - alpha) + tint[k]! * alpha;
          }
      }
  }
  const quality = summary.lastQuality !== null ? `last saved at q${summary.lastQuality}` : 'last saved as JPEG';
  const shift = summary.earlierSaveShift;
  const caption = !summary.earlierSaveFound
    ? [`JPEG history: ${quality}, no earlier save found on any 8x8 grid, so nothing to show`]
    : shift
      ? [
          `JPEG history (${quality}): an earlier save on a grid starting at (${shift.x}, ${shift.y}): cropped between the saves`,
          `teal kept that save · magenta changed after it · box: where a face that leans clearly edited (evidence > 1) breaks most${summary.countedInScore === false ? ' · not counted in the score at this quality' : ''}`,
        ]
      : [
          `JPEG history (${quality}): teal kept the earlier save · magenta compressed once`,
          `box: where a face that leans clearly edited (evidence > 1) breaks most${summary.countedInScore === false ? ' · not counted in the score at this quality' : ''}`,
        ];
  return annotated(image, out, hotspots, '#ffd21f', caption);
}

/** Each block's value averaged with those within `radius` blocks (fewer at the edges): one noisy block is no patch. */
function neighbourhoodMean(values: Float32Array, cols: number, rows: number, radius: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      let n = 0;
      for (let y = Math.max(0, r - radius); y <= Math.min(rows - 1, r + radius); y++)
        for (let x = Math.max(0, c - radius); x <= Math.min(cols - 1, c + radius); x++) {
          sum += values[y * cols + x]!;
          n++;
        }
      out[r * cols + c] = sum / n;
    }
  return out;
}

/** The photo's pixel `i` greyed and darkened a little, so tints read over it. */
const greyOf = (image: RgbImage, i: number) =>
  0.55 * (0.299 * image.data[3 * i]! + 0.587 * image.data[3 * i + 1]! + 0.114 * image.data[3 * i + 2]!) + 40;

/** A tinted copy of the photo with boxes outlined over it and a one-line legend row underneath. */
async function annotated(
  image: RgbImage,
  tinted: Uint8Array,
  boxes: Box[],
  stroke: string,
  caption: string[],
): Promise<Buffer> {
  const line = Math.max(2, Math.round(Math.min(image.width, image.height) / 300));
  const rects = boxes
    .map(
      (h) =>
        `<rect x="${h.x}" y="${h.y}" width="${h.width}" height="${h.height}" fill="none" stroke="${stroke}" stroke-width="${line}"/>`,
    )
    .join('');
  // Sized to fit the photo's width (DejaVu Sans averages ~0.6 em per character).
  const longest = Math.max(...caption.map((l) => l.length));
  const font = Math.max(8, Math.min(22, Math.floor(image.width / (0.62 * longest))));
  const lineHeight = Math.round(font * 1.3);
  const legendHeight = Math.round(font * 0.6) + lineHeight * caption.length;
  const text = caption.map((l, i) => `<text x="${font / 2}" y="${lineHeight * (i + 1)}">${l}</text>`).join('');
  const legend = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${legendHeight}"><rect width="100%" height="100%" fill="#ffffff"/><g font-family="DejaVu Sans, Arial, sans-serif" font-size="${font}" fill="#222">${text}</g></svg>`,
  );
  return sharp({
    create: { width: image.width, height: image.height + legendHeight, channels: 3, background: '#ffffff' },
    limitInputPixels: false,
  })
    .composite([
      {
        input: await raw({ width: image.width, height: image.height, data: tinted }).png().toBuffer(),
        left: 0,
        top: 0,
      },
      {
        input: Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}">${rects}</svg>`,
        ),
        left: 0,
        top: 0,
      },
      { input: legend, left: 0, top: image.height },
    ])
    .png()
    .toBuffer();
}

/**
 * W in the Middlebury colour code (hue = direction, saturation = |W|, white = no warp), with a legend panel on the
 * right: the colour wheel and the |W| its rim stands for. The wheel's rim is the 99th percentile of the non-zero
 * |W| (at least 1 px), so a few outliers do not wash the picture out.
 */
async function flowPicture(W: FlowField): Promise<Buffer> {
  const rim = rimMagnitude(W);
  const color = flowToColor(W, { maxMagnitude: rim });
  const wheel = Math.max(64, Math.min(200, Math.round(Math.min(W.width, W.height) / 5)));
  const pad = 12;
  const font = Math.max(11, Math.round(wheel / 9));
  const textHeight = 3 * Math.round(font * 1.35);
  const lines = ['hue = direction of W', 'white = no warp', `rim = ${rim < 10 ? rim.toFixed(2) : rim.toFixed(1)} px`];
  // Wide enough for the longest line (DejaVu Sans averages ~0.62 em per character), not just for the wheel.
  const panelW = Math.max(wheel, Math.ceil(font * 0.62 * Math.max(...lines.map((l) => l.length)))) + 2 * pad;
  const panelH = wheel + 2 * pad + textHeight;
  const height = Math.max(W.height, panelH);
  const text = legendSvg(panelW, textHeight, font, lines);
  return sharp({
    create: { width: W.width + panelW, height, channels: 3, background: '#ffffff' },
    limitInputPixels: false,
  })
    .composite([
      { input: await raw(color).png().toBuffer(), left: 0, top: 0 },
      {
        input: await raw(colorWheelLegend(wheel)).png().toBuffer(),
        left: W.width + Math.round((panelW - wheel) / 2),
        top: pad,
      },
      { input: text, left: W.width, top: wheel + 2 * pad },
    ])
    .png()
    .toBuffer();
}

function rimMagnitude(W: FlowField): number {
  const mag = flowMagnitude(W).filter((m) => m > 1e-3);
  if (mag.length === 0) return 1;
  mag.sort();
  return Math.max(1, mag[Math.floor(0.99 * (mag.length - 1))]!);
}

function legendSvg(width: number, height: number, font: number, lines: string[]): Buffer {
  const lh = Math.round(font * 1.35);
  const body = lines
    .map((l, i) => `<text x="${width / 2}" y="${(i + 1) * lh - Math.round(lh * 0.3)}" text-anchor="middle">${l}</text>`)
    .join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g font-family="DejaVu Sans, Arial, sans-serif" font-size="${font}" fill="#222">${body}</g></svg>`,
  );
}

/** Input | heatmap | recovered, side by side under a label row, each scaled to fit a bounded panel. */
async function compare(input: RgbImage, heat: Raster, recovered: RgbImage): Promise<Buffer> {
  const s = Math.min(1, COMPARE_PANEL / Math.max(input.width, input.height));
  const w = Math.max(1, Math.round(input.width * s));
  const h = Math.max(1, Math.round(input.height * s));
  const gap = 8;
  const width = 3 * w + 2 * gap;
  const panels = await Promise.all(
    [input, heat, recovered].map((img) => raw(img).resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).png().toBuffer()),
  );
  const labels = ['input', `|W| heatmap (${HEATMAP_RANGE.min}-${HEATMAP_RANGE.max} px)`, 'recovered'];
  const font = w < 160 ? 10 : 14;
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL_HEIGHT}"><g font-family="DejaVu Sans, Arial, sans-serif" font-size="${font}" fill="#222" text-anchor="middle">${labels
      .map((l, i) => `<text x="${i * (w + gap) + w / 2}" y="${LABEL_HEIGHT - 9}">${l}</text>`)
      .join('')}</g></svg>`,
  );
  return sharp({ create: { width, height: h + LABEL_HEIGHT, channels: 3, background: '#ffffff' } })
    .composite([
      { input: svg, left: 0, top: 0 },
      ...panels.map((p, i) => ({ input: p, left: i * (w + gap), top: LABEL_HEIGHT })),
    ])
    .png()
    .toBuffer();
}

/**
 * Writes the artifacts into `dir` atomically (the optional ones only when present): a temporary sibling folder is filled, then renamed, so a crash never
 * leaves half a result that looks complete.
 *
 * An existing `dir` that is not empty is refused with OutputExistsError unless `force`; even with `force`, a `dir`
 * that holds files other than the artifacts is refused, so a mistyped --out never deletes someone's folder.
 */
export async function writeArtifacts(dir: string, artifacts: Artifacts, opts: { force?: boolean } = {}): Promise<void> {
  await checkOutputDir(dir, opts.force === true);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const name of CORE_ARTIFACTS) await writeFile(path.join(tmp, name), artifacts[name]);
    for (const name of [...MODEL_ARTIFACTS, ...AID_ARTIFACTS]) {
      const bytes = artifacts[name];
      if (bytes) await writeFile(path.join(tmp, name), bytes);
    }
    if (opts.force) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new OutputExistsError(dir, `${dir} was filled by someone else while this analysis ran`);
    throw err;
  }
}

/**
 * Throws OutputExistsError when writeArtifacts(dir, …, { force }) would refuse: call it before the analysis to
 * fail fast. Resolves when `dir` is absent or empty, or holds only artifacts and `force` is set.
 */
export async function checkOutputDir(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new OutputExistsError(dir, `${dir} exists and is not a folder`);
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (entries.length === 0) return;
  if (!force) throw new OutputExistsError(dir, `${dir} already holds results (pass --force to overwrite them)`);
  const foreign = entries.filter((e) => !(ARTIFACTS as readonly string[]).includes(e));
  if (foreign.length > 0)
    throw new OutputExistsError(
      dir,
      `${dir} holds files unwarp did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): not overwriting it, even with --force`,
    );
}
