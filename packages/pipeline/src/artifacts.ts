import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { colorWheelLegend, encodeFlo, flowToColor, magnitudeHeatmap } from '@unwarp/flow';
import type { RgbImage } from '@unwarp/faces';
import sharp from 'sharp';
import type { Analysis } from './analyze.ts';

export const ARTIFACTS = ['report.json', 'flow.flo', 'recovered.png', 'heatmap.png', 'flow.png', 'compare.png'] as const;
export type ArtifactName = (typeof ARTIFACTS)[number];

const COMPARE_PANEL = 900;

const png = (img: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }) =>
  sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  });

/** Every artifact of one analysis as bytes, ready for a folder, object storage or an HTTP response. */
export async function renderArtifacts(a: Analysis): Promise<Record<ArtifactName, Uint8Array>> {
  const heat = magnitudeHeatmap(a.image, a.flow);
  const color = flowToColor(a.flow);
  const legendSize = Math.max(48, Math.round(Math.min(a.image.width, a.image.height) / 6));
  const legend = colorWheelLegend(legendSize);
  const flowPng = await png(color)
    .composite([{ input: await png(legend).png().toBuffer(), left: 8 > a.image.width - legendSize ? 0 : a.image.width - legendSize - 8, top: 8 > a.image.height - legendSize ? 0 : 8 }])
    .png()
    .toBuffer();
  const [heatPng, recoveredPng] = await Promise.all([png(heat).png().toBuffer(), png(a.recovered).png({ compressionLevel: 6 }).toBuffer()]);
  return {
    'report.json': new TextEncoder().encode(`${JSON.stringify(a.report, null, 2)}\n`),
    'flow.flo': encodeFlo(a.flow),
    'recovered.png': recoveredPng,
    'heatmap.png': heatPng,
    'flow.png': flowPng,
    'compare.png': await compare(a.image, heat, a.recovered),
  };
}

/** Input | heatmap | recovered, side by side, each scaled to fit a bounded panel. */
async function compare(input: RgbImage, heat: { width: number; height: number; data: Uint8ClampedArray }, recovered: RgbImage): Promise<Uint8Array> {
  const s = Math.min(1, COMPARE_PANEL / Math.max(input.width, input.height));
  const w = Math.max(1, Math.round(input.width * s));
  const h = Math.max(1, Math.round(input.height * s));
  const gap = 8;
  const panels = await Promise.all([input, heat, recovered].map((img) => png(img).resize(w, h).png().toBuffer()));
  return sharp({ create: { width: 3 * w + 2 * gap, height: h, channels: 3, background: '#ffffff' } })
    .composite(panels.map((p, i) => ({ input: p, left: i * (w + gap), top: 0 })))
    .png()
    .toBuffer();
}

/**
 * Writes the artifacts into `dir` atomically: a temporary sibling folder is filled, then renamed, so a crash never
 * leaves half a result that looks complete.
 */
export async function writeArtifacts(dir: string, artifacts: Record<ArtifactName, Uint8Array>, opts: { force?: boolean } = {}): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const name of ARTIFACTS) await writeFile(path.join(tmp, name), artifacts[name]);
    if (opts.force) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
