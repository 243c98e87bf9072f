export { initBackend, getTf, backendInfo } from './backend.ts';
export type { Tf, BackendInfo, BackendName } from './backend.ts';
