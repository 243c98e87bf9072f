export type { BackendInfo, BackendName, Tf } from './backend.ts';
export { backendInfo, getTf, initBackend } from './backend.ts';
export { convGeometry, fusedInstanceNorm } from './native-kernels.ts';
