/**
 * Helpers shared by this package's tests, its bench and its examples script: real photos read in place from
 * ../shared/data (never copied into the repo) and liquify edits of them. Not part of the public API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Point, type RgbImage, readPts } from '@unwarp/faces';
import type { FlowField } from '@unwarp/flow';
import { liquifyPhoto, type SliderSetting } from '@unwarp/liquify';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../../..');
/** The photo pools, beside the repository. */
export const DATA_DIR = path.resolve(REPO_ROOT, '../shared/data');
export const FIXTURE_MODEL_DIR = path.join(REPO_ROOT, 'packages/model/fixtures/tiny-model');
/** The trained model the accuracy tests need; UNWARP_E2E_MODEL_DIR points them at another (a checkpoint). */
export const TRAINED_MODEL_DIR = process.env.UNWARP_E2E_MODEL_DIR ?? path.join(REPO_ROOT, 'models/unwarp-base');
export const BAD_IMAGES_DIR = path.join(REPO_ROOT, 'test/fixtures/bad-images');

export const hasData = () => existsSync(path.join(DATA_DIR, 'val/helen'));
/**
 * A model that has passed validation: present, and not marked experimental in its manifest. An experimental model
 * (one that has not met its targets) would fail the accuracy tests by design; point UNWARP_E2E_MODEL_DIR at it to
 * run them anyway.
 */
export const hasTrainedModel = () => {
  const manifest = path.join(TRAINED_MODEL_DIR, 'model.json');
  if (!existsSync(manifest)) return false;
  if (process.env.UNWARP_E2E_MODEL_DIR) return true;
  return !JSON.parse(readFileSync(manifest, 'utf8')).training?.experimental;
};

/** A Helen validation portrait with one face, and a crowded AFW photo, a no-face photo: fixed choices. */
export const PHOTOS = {
  portrait: 'val/helen/299527853_1.jpg',
  crowd: 'val/afw/4285163979_1.jpg',
  noFace: 'train/nonface/deb_mate-backgrounds__Aqua.jpg',
} as const;
export const photoPath = (rel: string) => path.join(DATA_DIR, rel);

export async function readRgb(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

export const encodePng = (img: RgbImage) =>
  sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();

/** A strong, visible Face-Aware edit: bigger eyes, narrower face and jaw, a smile. */
export const STRONG_EDIT: SliderSetting[] = [
  { slider: 'eyeSize', value: 90 },
  { slider: 'faceWidth', value: -80 },
  { slider: 'jawline', value: -60 },
  { slider: 'smile', value: 60 },
];

/**
 * A landmarked photo and the same photo edited with @unwarp/liquify's Face-Aware sliders, at full size:
 * modified(p) = original(p + W(p)).
 */
export async function editedPhoto(
  rel: string,
  settings: SliderSetting[] = STRONG_EDIT,
): Promise<{ original: RgbImage; modified: RgbImage; W: FlowField; landmarks: Point[] }> {
  const file = photoPath(rel);
  const original = await readRgb(file);
  const landmarks = readPts(await readFile(file.replace(/\.jpg$/, '.pts'), 'utf8'));
  const { modified, W } = liquifyPhoto(original, landmarks, settings);
  return { original, modified: modified as RgbImage, W, landmarks };
}

/** PSNR in dB of b against a inside the box (RGB, 8-bit). */
export function psnrIn(a: RgbImage, b: RgbImage, box: { x: number; y: number; width: number; height: number }): number {
  let se = 0;
  let n = 0;
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++)
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        const d = a.data[i]! - b.data[i]!;
        se += d * d;
        n++;
      }
  return n === 0 || se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255 * n) / se);
}
