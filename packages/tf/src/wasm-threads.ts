import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts the wasm backend's multi-threaded build in Node, which tfjs 4.22 only enables in browsers. Three things stand
 * in the way, each worked around for the duration of `start` (see ../shared/notes/cpu-training.md):
 * 1. Emscripten hands its pthread workers `blob:` URLs, and Node's Worker takes only file paths: Blobs created while
 *    starting are recorded and written to files instead.
 * 2. The main script each worker loads refers to the bundle's renamed imports (`require$$0`, `commonjsGlobal`, …),
 *    which do not exist inside a worker: the file gets them defined first. Once started, the workers are unref'd so a
 *    finished command exits.
 * 3. XNNPACK caps its pool at half of `os.cpus()` ("two threads per core"); on a 2-core host that is one thread, so
 *    `os.cpus()` reports twice the asked thread count while the pool is made.
 */
export async function withWasmThreads<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unwarp-wasm-threads-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const texts = new WeakMap<Blob, string>();
  const RealBlob = globalThis.Blob;
  class RecordingBlob extends RealBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      texts.set(this, (args[0] ?? []).map(String).join(''));
    }
  }
  const workers = new Set<Worker>();
  let files = 0;
  const fileFor = (blob: Blob): string | undefined => {
    const text = texts.get(blob);
    if (text === undefined) return undefined;
    const file = path.join(dir, `part-${files++}.js`);
    fs.writeFileSync(file, text.startsWith('var WasmBackendModuleThreadedSimd') ? BUNDLE_IMPORTS + text : text);
    return file;
  };
  const realCreateObjectURL = URL.createObjectURL;
  const realPostMessage = Worker.prototype.postMessage;
  const realCpus = os.cpus;
  URL.createObjectURL = (blob: Blob) => fileFor(blob) ?? realCreateObjectURL(blob);
  Worker.prototype.postMessage = function (
    this: Worker,
    message: unknown,
    transfer?: Parameters<Worker['postMessage']>[1],
  ) {
    const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
    if (m?.cmd === 'load' && m.urlOrBlob instanceof RealBlob) {
      const file = fileFor(m.urlOrBlob);
      if (file) message = { ...m, urlOrBlob: file };
      workers.add(this);
    }
    return realPostMessage.call(this, message, transfer);
  };
  globalThis.Blob = RecordingBlob as typeof Blob;
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await start();
  } finally {
    // Only now: the backend's start waits on the workers' "loaded" replies, which a ref'd worker keeps coming.
    for (const w of workers) w.unref();
    globalThis.Blob = RealBlob;
    URL.createObjectURL = realCreateObjectURL;
    Worker.prototype.postMessage = realPostMessage;
    os.cpus = realCpus;
  }
}

const BUNDLE_IMPORTS =
  "var commonjsGlobal = globalThis, require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os');\n";
