// BullMQ forks this file as the sandbox process. The fork may start without the parent's TypeScript loader
// (a bundled or plain `node` parent): register tsx here, then load the real processor.
import { register } from 'tsx/esm/api';

// If the worker process dies (SIGKILL, OOM) nobody will take this sandbox's result, and the job is recovered as
// stalled elsewhere: exit instead of computing for nothing. Checked here, before the slow model imports, and by
// polling, because a 'disconnect' that fires while those imports run would be missed, and tfjs keeps the
// process alive on its own.
const parent = process.ppid;
const orphaned = () => (process.send !== undefined && !process.connected) || process.ppid !== parent;
process.on('disconnect', () => process.exit(1));
setInterval(() => {
  if (orphaned()) process.exit(1);
}, 500).unref();

register();
const mod = await import('./processor.ts');
export default mod.default;
