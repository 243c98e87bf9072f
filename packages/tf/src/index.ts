export type { BackendInfo, BackendName, Tf } from './backend.ts';
export { backendInfo, getTf, initBackend } from './backend.ts';
export { fusedInstanceNorm } from './native-kernels.ts';
