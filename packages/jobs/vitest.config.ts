import { defineProject } from 'vitest/config';

// Redis suites (*.int.test.ts) are not run in parallel, as BullMQ runs its own.
export default defineProject({ test: { name: 'jobs', fileParallelism: false } });
