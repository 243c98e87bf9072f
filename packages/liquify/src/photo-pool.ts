import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readPts } from '@unwarp/faces/pts';
import sharp from 'sharp';
import type { FacePhoto } from './pairs.ts';

export type PhotoRef = { id: string; photoId: string; imagePath: string; ptsPath: string };

const IMAGE = /\.(jpe?g|png|webp)$/i;

/**
 * Photos that have a 68-point `.pts` file beside them, from one or more folders (recursively).
 * `photoId` groups the 300-W copies of one picture (`100040721_1.jpg`, `100040721_2.jpg`) for fair splits.
 */
export async function listLandmarkedPhotos(dirs: readonly string[]): Promise<PhotoRef[]> {
  const refs: PhotoRef[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (IMAGE.test(e.name)) {
        const stem = e.name.replace(IMAGE, '');
        if (!names.has(`${stem}.pts`)) continue;
        const cut = stem.lastIndexOf('_');
        refs.push({
          id: `${path.basename(dir)}/${stem}`,
          photoId: `${path.basename(dir)}/${cut > 0 ? stem.slice(0, cut) : stem}`,
          imagePath: full,
          ptsPath: path.join(dir, `${stem}.pts`),
        });
      }
    }
  };
  for (const d of dirs) await walk(d);
  return refs;
}

export async function loadFacePhoto(ref: PhotoRef): Promise<FacePhoto> {
  const [pts, decoded] = await Promise.all([
    readFile(ref.ptsPath, 'utf8'),
    sharp(ref.imagePath).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
  ]);
  const { data, info } = decoded;
  return {
    id: ref.id,
    image: {
      width: info.width,
      height: info.height,
      channels: 3,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    },
    landmarks: readPts(pts),
  };
}
