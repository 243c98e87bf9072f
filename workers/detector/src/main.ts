import { loadOrExit, parseWorkerEnv } from '@unwarp/config';
import { pino } from 'pino';
import { startDetector } from './worker.ts';

const env = loadOrExit(parseWorkerEnv);
const log = pino({ level: env.LOG_LEVEL }).child({ service: 'detector' });

const detector = await startDetector(env, log).catch((err: Error) => {
  log.fatal({ err: err.message }, 'detector could not start');
  process.exit(1);
});

let signals = 0;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    // A second Ctrl-C means "now": running jobs are recovered as stalled by the next worker.
    if (++signals > 1) process.exit(130);
    log.info({ signal: sig }, 'stopping');
    detector.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
