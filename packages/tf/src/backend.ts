import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { registerNativeKernels, registerSharedIdentity } from './native-kernels.ts';
import { withWasmThreads } from './wasm-threads.ts';

/** The TensorFlow.js namespace every Unwarp package uses (one instance per process). */
export type Tf = typeof tfjs;

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export type BackendInfo = {
  /** tfjs backend name that is live (`tensorflow` for both native flavours, `wasm`, `cpu`). */
  backend: string;
  /** Which choice of ours won, and why the earlier ones were skipped. */
  choice: BackendName;
  package: string;
  /** Threads the wasm backend's XNNPACK pool got (`UNWARP_WASM_THREADS`, default every core); 0 for native ones. */
  threads: number;
  /**
   * Who runs the wasm backend's convolutions: `native (avx512)` etc. where `@unwarp/cpu-kernels` was built for this
   * CPU, else `xnnpack (<why not native>)`; undefined for the other backends.
   */
  convolutions?: string;
  skipped: { choice: BackendName; reason: string }[];
};

const require = createRequire(import.meta.url);
const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm'];

let live: { tf: Tf; info: BackendInfo } | undefined;
let starting: Promise<{ tf: Tf; info: BackendInfo }> | undefined;

function parseWanted(value: string | undefined): BackendName[] {
  if (!value || value === 'auto') return ORDER;
  const aliases: Record<string, BackendName> = {
    gpu: 'tensorflow-gpu',
    'tfjs-node-gpu': 'tensorflow-gpu',
    'tensorflow-gpu': 'tensorflow-gpu',
    node: 'tensorflow',
    native: 'tensorflow',
    'tfjs-node': 'tensorflow',
    tensorflow: 'tensorflow',
    wasm: 'wasm',
    cpu: 'cpu',
  };
  const name = aliases[value.trim().toLowerCase()];
  if (!name) throw new Error(`UNWARP_BACKEND=${value} is not one of auto, gpu, node, wasm, cpu`);
  return [name];
}

async function tryNative(pkg: string): Promise<Tf> {
  // The native packages register the `tensorflow` backend on the tfjs-core they bundle; they re-export the full API.
  const mod = require(pkg) as Tf;
  await mod.setBackend('tensorflow');
  await mod.ready();
  return mod;
}

/**
 * Threads for the wasm backend: `UNWARP_WASM_THREADS`, else every core. Processes that run several backends side by
 * side (the trainer's gradient replicas) ask for 1 each.
 */
function wasmThreads(asked?: number): number {
  const value = asked ?? process.env.UNWARP_WASM_THREADS;
  if (value === undefined || value === '') return os.availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`UNWARP_WASM_THREADS=${value} is not a whole number 1…64`);
  return n;
}

/** Starts the wasm backend and returns the threads XNNPACK really got. */
async function startWasm(tf: Tf, threads: number): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Node's fetch cannot read file:// URLs; pointing at the package directory makes the backend read its binary from disk.
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasm.setThreadsCount(threads);
  const start = async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  };
  await (threads > 1 ? withWasmThreads(threads, start) : start());
  return wasm.getThreadsCount();
}

/**
 * Picks and starts the backend once per process: native GPU, native CPU, then wasm (the order of the design card),
 * unless UNWARP_BACKEND names one. Later calls return the same instance.
 */
export async function initBackend(
  opts: { wanted?: string; threads?: number } = {},
): Promise<{ tf: Tf; info: BackendInfo }> {
  if (live) return live;
  if (starting) return starting;
  starting = (async () => {
    const wanted = parseWanted(opts.wanted ?? process.env.UNWARP_BACKEND);
    // Production mode skips per-op debug checks and tfjs's "install tfjs-node" banner; we report the backend ourselves.
    if (!process.env.UNWARP_DEBUG) tfjs.env().set('PROD', true);
    const skipped: BackendInfo['skipped'] = [];
    for (const choice of wanted) {
      try {
        let tf: Tf = tfjs;
        // The native backends size their own pools; 0 says so.
        let threads = 0;
        let pkg = '@tensorflow/tfjs';
        let convolutions: string | undefined;
        if (choice === 'tensorflow-gpu') {
          pkg = '@tensorflow/tfjs-node-gpu';
          tf = await tryNative(pkg);
        } else if (choice === 'tensorflow') {
          pkg = '@tensorflow/tfjs-node';
          tf = await tryNative(pkg);
        } else if (choice === 'wasm') {
          pkg = '@tensorflow/tfjs-backend-wasm';
          threads = await startWasm(tf, wasmThreads(opts.threads));
          registerSharedIdentity(tf);
          const native = registerNativeKernels(tf, threads);
          convolutions = native.isa ? `native (${native.isa})` : `xnnpack (${native.reason})`;
        } else {
          await tf.setBackend('cpu');
          await tf.ready();
        }
        const backend = tf.getBackend();
        live = { tf, info: { backend, choice, package: pkg, threads, convolutions, skipped } };
        return live;
      } catch (err) {
        skipped.push({ choice, reason: firstLine(err) });
      }
    }
    starting = undefined;
    throw new Error(
      `no TensorFlow.js backend could start: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`,
    );
  })();
  return starting;
}

/** The live instance; throws if initBackend has not finished. */
export function getTf(): Tf {
  if (!live) throw new Error('TensorFlow.js backend not started: await initBackend() first');
  return live.tf;
}

export function backendInfo(): BackendInfo | undefined {
  return live?.info;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 200);
}
