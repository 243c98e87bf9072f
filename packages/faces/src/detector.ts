import { initBackend } from '@unwarp/tf';
import type { Config, FaceResult, Human } from '@vladmandic/human';
import { humanModelDir, loadHumanModule, modelBasePath, routeModelsFromDisk, wasmDir } from './_internal/human.ts';
import { landmarks68FromMesh, regionsFrom68 } from './landmarks68.ts';
import type { Box, Face, Point, RgbImage } from './types.ts';

export type FaceDetectorOptions = {
  /** Most faces returned per photo. Default 20 (AFW crowds hold up to ~15). */
  maxFaces?: number;
  /** Faces scoring below this are dropped. Default 0.5. */
  minScore?: number;
  /**
   * Folder holding blazeface.json, facemesh.json, iris.json. Default: the models shipped in @vladmandic/human. Models
   * are shared per process, so this only takes effect when no other detector is alive.
   */
  modelDir?: string;
};

export type FaceDetector = {
  /** Every face in the photo, best score first (larger box first on ties). */
  detect(image: RgbImage): Promise<Face[]>;
  dispose(): void;
};

/*
 * Human keeps each loaded model in a module-level variable, shared by every Human instance in the process, and only
 * reloads while its `env.initial` flag is set. So detectors share the models: count the holders, free the models
 * when the last one is disposed, and raise the flag so that a later detector loads them afresh.
 */
let holders = 0;

/** Loads the face detector, mesh and iris models once; reuse the detector for many photos. */
export async function createFaceDetector(opts: FaceDetectorOptions = {}): Promise<FaceDetector> {
  const maxFaces = opts.maxFaces ?? 20;
  const minScore = opts.minScore ?? 0.5;
  const { tf, info } = await initBackend();
  const { Human } = loadHumanModule(info);
  const modelDir = opts.modelDir ?? humanModelDir();
  const config: Partial<Config> = {
    // The backend @unwarp/tf started; human's own backend check then finds it live and keeps it.
    backend: info.backend as Config['backend'],
    wasmPath: info.backend === 'wasm' ? wasmDir() : '',
    modelBasePath: modelBasePath(modelDir),
    cacheModels: false,
    debug: false,
    async: false,
    warmup: 'none',
    // Human is built for video: a non-zero sensitivity reuses the previous frame's result for similar inputs.
    cacheSensitivity: 0,
    filter: { enabled: false } as Config['filter'],
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: {
        modelPath: 'blazeface.json',
        rotation: true,
        maxDetected: maxFaces,
        minConfidence: Math.max(0.05, Math.min(minScore, 0.2)),
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: true, modelPath: 'facemesh.json' },
      // Iris adds the 10 iris points and refits the eyelid vertices that the 68-point eyes are taken from.
      iris: { enabled: true, modelPath: 'iris.json' },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    } as Config['face'],
    body: { enabled: false } as Config['body'],
    hand: { enabled: false } as Config['hand'],
    object: { enabled: false } as Config['object'],
    segmentation: { enabled: false } as Config['segmentation'],
  };
  const human: Human = new Human(config);
  routeModelsFromDisk(human.tf.io as never);
  await human.load();
  for (const name of ['blazeface', 'facemesh', 'iris'] as const) {
    const m = (human.models.models as Record<string, unknown>)[name];
    if (!m) throw new Error(`face model ${name} did not load from ${modelDir}`);
  }

  holders++;
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  async function run(image: RgbImage): Promise<Face[]> {
    if (disposed) throw new Error('FaceDetector was disposed');
    if (image.data.length !== image.width * image.height * 3) {
      throw new Error(`image data holds ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
    }
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    let faces: FaceResult[];
    try {
      const result = await human.detect(input as never);
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      faces = result.face;
    } finally {
      input.dispose();
    }
    return faces
      .filter((f) => f.mesh.length >= 468)
      .map((f) => toFace(f, image.width, image.height))
      .filter((f) => f.score >= minScore)
      .sort((a, b) => b.score - a.score || b.box.width * b.box.height - a.box.width * a.box.height)
      .slice(0, maxFaces);
  }

  return {
    // Human keeps per-call state (its last result, its input cache): one photo at a time.
    detect(image) {
      const next = queue.then(() => run(image));
      queue = next.catch(() => undefined);
      return next;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      holders--;
      if (holders > 0) return;
      (human.env as { initial: boolean }).initial = true;
      for (const m of Object.values(human.models.models as Record<string, { dispose?: () => void } | null>)) {
        m?.dispose?.();
      }
    },
  };
}

function toFace(f: FaceResult, width: number, height: number): Face {
  const mesh = f.mesh.map((p): Point => [p[0], p[1]]);
  const landmarks68 = landmarks68FromMesh(mesh);
  return {
    box: meshBox(mesh, width, height),
    score: faceScore(f),
    landmarks68,
    mesh,
    regions: regionsFrom68(landmarks68),
  };
}

/**
 * Blazeface's box confidence times the mesh's face confidence. Human's own `score` is the mesh confidence alone, which
 * sits at 1.00 for nearly anything face-like (a baboon, a rocket's nose cone); the box confidence separates those.
 */
function faceScore(f: FaceResult): number {
  const box = Number.isFinite(f.boxScore) ? f.boxScore : f.score;
  const mesh = Number.isFinite(f.faceScore) ? f.faceScore : 1;
  return box * mesh;
}

/**
 * The mesh's bounding box (forehead to chin, ear to ear), clamped to the image. Human's own box is the crop it fed
 * the mesh model, 1.4x larger and square, which would throw off the crop policy's margins.
 */
function meshBox(mesh: Point[], width: number, height: number): Box {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const [x, y] of mesh) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(width, x1);
  y1 = Math.min(height, y1);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
