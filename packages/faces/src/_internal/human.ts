import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BackendInfo } from '@unwarp/tf';
import type { Config, Human } from '@vladmandic/human';

const require = createRequire(import.meta.url);

type HumanModule = { Human: new (config?: Partial<Config>) => Human };
type IoLike = {
  registerLoadRouter(router: (url: string | string[]) => unknown): void;
  getModelArtifactsForJSON(
    json: unknown,
    loadWeights: (manifest: { paths: string[]; weights: unknown[] }[]) => Promise<[unknown[], ArrayBuffer]>,
  ): Promise<unknown>;
};

/** Scheme of our model URLs: human builds `${modelBasePath}${modelPath}` and hands it to the tfjs IO registry. */
export const MODEL_SCHEME = 'unwarp-faces-models://';

/** modelBasePath for a folder on disk: the folder travels inside the URL, so the router keeps no state. */
export function modelBasePath(dir: string): string {
  return `${MODEL_SCHEME}${encodeURIComponent(path.resolve(dir))}/`;
}

/** Directory of the tfjs-backend-wasm binaries, for human's own (idempotent) wasm path setting. */
export function wasmDir(): string {
  return `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`;
}

/** The models human ships inside its npm package (blazeface, facemesh, iris, ...). */
export function humanModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

/**
 * Loads the human build that talks to the same tfjs flavour @unwarp/tf started. Its `exports` map has no "./"
 * subpaths, so the build is loaded by path beside the main entry. Every build requires @tensorflow/tfjs-core (or
 * tfjs-node), whose engine and backends live on a global, so human sees the backend already initialised.
 */
export function loadHumanModule(info: BackendInfo): HumanModule {
  const dist = path.dirname(require.resolve('@vladmandic/human'));
  const file =
    info.package === '@tensorflow/tfjs-node-gpu'
      ? 'human.node-gpu.js'
      : info.package === '@tensorflow/tfjs-node'
        ? 'human.node.js'
        : 'human.node-wasm.js';
  return require(path.join(dist, file)) as HumanModule;
}

const routed = new WeakSet<object>();

/**
 * Node 20's fetch cannot read file:// URLs, so human cannot load its models by itself. A load router on human's own
 * tfjs IO registry (a module-level singleton, unlike the engine) answers our private scheme from disk. A private scheme
 * keeps us clear of tfjs-node's own file:// router, which would otherwise make two handlers match.
 */
export function routeModelsFromDisk(io: IoLike): void {
  if (routed.has(io)) return;
  routed.add(io);
  io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith(MODEL_SCHEME)) return null;
    const rest = url.slice(MODEL_SCHEME.length);
    const slash = rest.lastIndexOf('/');
    const file = path.join(decodeURIComponent(rest.slice(0, slash)), rest.slice(slash + 1));
    return {
      load: async () => {
        const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
        return io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs: unknown[] = [];
          const parts: Buffer[] = [];
          for (const group of manifest) {
            specs.push(...group.weights);
            for (const p of group.paths) parts.push(await readFile(path.join(path.dirname(file), p)));
          }
          const all = Buffer.concat(parts);
          return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
        });
      },
    };
  });
}
