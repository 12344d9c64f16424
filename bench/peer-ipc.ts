/**
 * The IPC side of a forked prober in bench:probe-peer (peer-ours.ts, peer-floor.ts): answers each
 * `{id, job}` message with `{id, answer}` or `{id, error}`, says `{ready: true}` once listening, and
 * exits when the parent goes away, so a bench that dies leaves no prober behind.
 */
import type { OursAnswer, OursJob } from './peer-ours';

export function serveJobs(run: (job: OursJob) => Promise<OursAnswer>): void {
  process.on('message', (message: { id: number; job: OursJob }) => {
    run(message.job).then(
      (answer) => process.send?.({ id: message.id, answer }),
      (error: unknown) => process.send?.({ id: message.id, error: (error as Error).message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}
