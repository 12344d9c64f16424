/**
 * Coalesces runs per key within one instance: while a run is in progress, every further request
 * shares one queued run that starts when the current one ends. A storm of 50 events for one PLS
 * becomes at most two reconciliations here; other instances are kept apart by the claims.
 */
export class Coalescer<T> {
  private readonly state = new Map<string, { running: Promise<T>; queued: Promise<T> | undefined }>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.state.get(key);
    if (current === undefined) return this.start(key, work);
    if (current.queued !== undefined) return current.queued;
    const queued = current.running.then(
      () => this.start(key, work),
      () => this.start(key, work),
    );
    current.queued = queued;
    return queued;
  }

  private start(key: string, work: () => Promise<T>): Promise<T> {
    const running = work().finally(() => {
      const entry = this.state.get(key);
      if (entry?.running === running && entry.queued === undefined) this.state.delete(key);
    });
    // A queued run replaces the finished one; requests arriving from now on queue behind it.
    this.state.set(key, { running, queued: undefined });
    return running;
  }
}
