import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const packageRoot = path.resolve(import.meta.dirname, '..');
export const sourcePath = path.join(packageRoot, 'native', 'conv.cc');
export const binaryPath = path.join(packageRoot, 'build', 'cpu-kernels.node');
export const stampPath = path.join(packageRoot, 'build', 'stamp.json');

export type BuildStamp = { cpu: string; flags: string; arch: string; source: string };

/**
 * What a binary built with -march=native is tied to: this CPU's model and instruction-set flags, and the source's
 * hash. A binary whose stamp differs (the repository copied to another machine, the source edited) is not loaded.
 */
export function currentStamp(): BuildStamp {
  let flags = '';
  try {
    flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    // Not Linux: the CPU model and arch have to do.
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    flags,
    arch: process.arch,
    source: createHash('sha256').update(readFileSync(sourcePath)).digest('hex').slice(0, 16),
  };
}

export function readStamp(): BuildStamp | undefined {
  try {
    return JSON.parse(readFileSync(stampPath, 'utf8')) as BuildStamp;
  } catch {
    return undefined;
  }
}

export function sameStamp(a: BuildStamp, b: BuildStamp): boolean {
  return a.cpu === b.cpu && a.flags === b.flags && a.arch === b.arch && a.source === b.source;
}
