export type { StartEnv, WebEnv, WorkerEnv } from './env.ts';
export {
  ConfigError,
  loadOrExit,
  parseStartEnv,
  parseWebEnv,
  parseWorkerEnv,
  repoRoot,
  StartEnvSchema,
  WebEnvSchema,
  WorkerEnvSchema,
} from './env.ts';
