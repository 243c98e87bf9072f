export type { BackendInfo, BackendName, Tf } from './backend.ts';
export { backendInfo, getTf, initBackend } from './backend.ts';
export { convGeometry, fusedInstanceNorm, replaceWasmKernel } from './native-kernels.ts';
