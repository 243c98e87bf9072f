// Builds native/conv.cc into build/cpu-kernels.node for this machine's CPU, with the host's C++ compiler and Node's
// own headers. Runs after `npm ci` (the root's postinstall) and before the tests. Without a compiler or headers it says
// so and exits 0: everything still runs, on the wasm backend's own (slower) convolutions.
// `--strict` exits 1 instead; `--force` rebuilds an up-to-date binary.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binaryPath, currentStamp, readStamp, sameStamp, sourcePath, stampPath } from '../src/stamp.ts';

const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

function headerDir(): string | undefined {
  const prefix = (process.config.variables as { node_prefix?: string }).node_prefix;
  const candidates = [
    process.env.UNWARP_NODE_HEADERS,
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    prefix && path.join(prefix, 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((dir) => dir && existsSync(path.join(dir, 'node_api.h'))) || undefined;
}

function compiler(): string | undefined {
  for (const cxx of [process.env.CXX, 'c++', 'g++', 'clang++']) {
    if (!cxx) continue;
    try {
      execFileSync(cxx, ['--version'], { stdio: 'ignore' });
      return cxx;
    } catch {
      // Try the next one.
    }
  }
  return undefined;
}

function giveUp(reason: string): never {
  console.warn(`@unwarp/cpu-kernels: not built (${reason}); convolutions run on the wasm backend's own kernels`);
  process.exit(strict ? 1 : 0);
}

if (process.env.UNWARP_NATIVE_KERNELS === '0') giveUp('UNWARP_NATIVE_KERNELS=0');
const stamp = currentStamp();
const old = readStamp();
if (!force && existsSync(binaryPath) && old && sameStamp(old, stamp)) {
  console.log(`@unwarp/cpu-kernels: up to date (${binaryPath})`);
  process.exit(0);
}
const cxx = compiler();
if (!cxx) giveUp('no C++ compiler: install g++ (Debian: apt-get install g++) or set CXX');
const headers = headerDir();
if (!headers)
  giveUp(
    "Node's headers (node_api.h) not found: install them (Debian's nodejs: apt-get install libnode-dev) or set UNWARP_NODE_HEADERS to their folder",
  );
mkdirSync(path.dirname(binaryPath), { recursive: true });
const tmp = `${binaryPath}.${process.pid}.tmp`;
const t0 = performance.now();
try {
  execFileSync(
    cxx,
    ['-O3', '-march=native', '-std=c++17', '-shared', '-fPIC', '-pthread', `-I${headers}`, sourcePath, '-o', tmp],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
} catch (err) {
  giveUp(`${cxx} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
}
// Rename, so a process loading the old binary never sees a half-written one.
renameSync(tmp, binaryPath);
writeFileSync(stampPath, `${JSON.stringify(stamp, null, 1)}\n`);
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`@unwarp/cpu-kernels: built ${binaryPath} with ${cxx} in ${seconds} s`);
