/** An upright 8-bit RGB raster, row-major, `data.length === width * height * 3` (EXIF orientation already applied). */
export type RgbImage = { width: number; height: number; channels: 3; data: Uint8Array };

/** An axis-aligned rectangle in pixels; `x`, `y` is the top-left corner. */
export type Box = { x: number; y: number; width: number; height: number };

export type Point = [number, number];

/**
 * Parts of the face, named as in 300-W: "right" is the subject's right, which is on the left of the picture.
 * `outline` is the closed contour jaw + brows (the 68-point scheme has no forehead points).
 */
export type FaceRegion = 'leftEye' | 'rightEye' | 'leftBrow' | 'rightBrow' | 'nose' | 'mouth' | 'jaw' | 'outline';

export type Face = {
  /** Tight box around the face mesh (forehead to chin), clamped to the image. */
  box: Box;
  /** Confidence in 0..1: face-detector box confidence x mesh confidence. */
  score: number;
  /** 68 points in the iBUG/300-W order, 0-based pixel centres of the image. */
  landmarks68: Point[];
  /** The dense MediaPipe mesh (468 points, 478 with iris) in image pixels, x/y only. */
  mesh?: Point[];
  regions: Record<FaceRegion, Point[]>;
};
