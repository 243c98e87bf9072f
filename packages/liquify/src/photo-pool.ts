import { readFile } from 'node:fs/promises';
import { type PhotoRef, readPts } from '@unwarp/faces/pts';
import sharp from 'sharp';
import type { FacePhoto } from './pairs.ts';

// The listing lives with the .pts reader in @unwarp/faces; re-exported here, where training pairs are made.
export { listLandmarkedPhotos, onePerPhoto, type PhotoRef } from '@unwarp/faces/pts';

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
