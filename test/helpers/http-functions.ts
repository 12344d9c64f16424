import { FUNCTIONS } from '../../functions/registry';
import { RecordingLogger } from '../../scripts/local-host/invocation-logger';
import { type LocalHost, startLocalHost } from '../../scripts/local-host/local-host';

/** Every HTTP function of the registry over real HTTP on a free loopback port; no timers, no queues. */
export async function serveHttpFunctions(): Promise<LocalHost> {
  return startLocalHost({
    definitions: FUNCTIONS.filter((d) => d.kind === 'http'),
    env: {},
    logger: new RecordingLogger(),
    port: 0,
    timers: false,
    queues: false,
  });
}
