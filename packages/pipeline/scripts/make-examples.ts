/**
 * Rebuilds examples/: the two photos of the README's quick start.
 *   node --import tsx packages/pipeline/scripts/make-examples.ts [path/to/grace_hopper.jpg]
 * then:
 *   npx unwarp analyze examples --out examples/expected --force
 *
 * Source: grace_hopper.jpg from the Debian package python-matplotlib-data (3.6.3-1), file
 * /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg (`apt-get download python-matplotlib-data`,
 * `dpkg-deb -x`). A US Navy photograph (public domain), shipped under matplotlib's licence. See examples/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceDetector } from '@unwarp/faces';
import { flowMagnitude } from '@unwarp/flow';
import { liquifyPhoto } from '@unwarp/liquify';
import sharp from 'sharp';
import { REPO_ROOT, readRgb, STRONG_EDIT } from '../src/_internal/testing.ts';

const source = process.argv[2] ?? '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const out = path.join(REPO_ROOT, 'examples');
const WIDTH = 320;

await mkdir(out, { recursive: true });
// Small on purpose: examples/ and its expected outputs are committed.
const original = await sharp(source).resize({ width: WIDTH, kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer();
await writeFile(path.join(out, 'grace-hopper.jpg'), original);

const image = await readRgb(original);
const detector = await createFaceDetector({ maxFaces: 1 });
const [face] = await detector.detect(image);
detector.dispose();
if (!face) throw new Error('no face found in the example photo');
const { modified, W } = liquifyPhoto(image, face.landmarks68, STRONG_EDIT);
const edited = await sharp(Buffer.from(modified.data), {
  raw: { width: image.width, height: image.height, channels: 3 },
})
  .jpeg({ quality: 92 })
  .toBuffer();
await writeFile(path.join(out, 'grace-hopper-liquified.jpg'), edited);
const mag = flowMagnitude(W);
process.stdout.write(
  `wrote examples/grace-hopper.jpg and grace-hopper-liquified.jpg (${image.width}x${image.height}); ` +
    `true edit: max |W| ${Math.max(...mag).toFixed(1)} px, sliders ${STRONG_EDIT.map((s) => `${s.slider} ${s.value}`).join(', ')}\n`,
);
