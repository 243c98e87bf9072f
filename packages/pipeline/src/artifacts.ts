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
  const [pictures, evidencePng, elaPng, noisePng] = await Promise.all([
    renderWarpPictures(a),
    evidencePicture(
      a.image,
      a.evidence,
      a.report.faces.flatMap((f) => (f.hotspot ? [f.hotspot.box] : [])),
    ),
    a.aidImages ? raw(a.aidImages.ela).png().toBuffer() : undefined,
    a.aidImages ? raw(a.aidImages.noise).png().toBuffer() : undefined,
  ]);
  return {
    'report.json': jsonBytes(a.report),
    ...pictures,
    'evidence.png': evidencePng,
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
    const [r, g, b] = [image.data[3 * i]!, image.data[3 * i + 1]!, image.data[3 * i + 2]!];
    const grey = 0.55 * (0.299 * r + 0.587 * g + 0.114 * b) + 40;
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
  const line = Math.max(2, Math.round(Math.min(image.width, image.height) / 300));
  const rects = hotspots
    .map(
      (h) =>
        `<rect x="${h.x}" y="${h.y}" width="${h.width}" height="${h.height}" fill="none" stroke="#ff2d2d" stroke-width="${line}"/>`,
    )
    .join('');
  const caption = 'window score: blue → cyan 0 → 0.5 · yellow → red 0.5 → 1 · box: top window';
  // Sized to fit the photo's width (DejaVu Sans averages ~0.6 em per character).
  const font = Math.max(8, Math.min(22, Math.floor(image.width / (0.62 * caption.length))));
  const legendHeight = Math.round(font * 1.9);
  const legend = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${legendHeight}"><rect width="100%" height="100%" fill="#ffffff"/><text x="${font / 2}" y="${Math.round(font * 1.3)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${font}" fill="#222">${caption}</text></svg>`,
  );
  return sharp({
    create: { width: image.width, height: image.height + legendHeight, channels: 3, background: '#ffffff' },
    limitInputPixels: false,
  })
    .composite([
      { input: await raw({ width: image.width, height: image.height, data: out }).png().toBuffer(), left: 0, top: 0 },
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
