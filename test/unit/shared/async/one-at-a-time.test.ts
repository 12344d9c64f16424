import { describe, expect, it } from 'vitest';
import { OneAtATime } from '../../../../shared/async/one-at-a-time';

const refused = () => new Error('line full');

describe('OneAtATime', () => {
  it('runs one piece of work at a time, in arrival order, and refuses callers past the waiting line', async () => {
    const turns = new OneAtATime(2, refused);
    const log: string[] = [];
    let running = 0;
    const work = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = [turns.run(work('a')), turns.run(work('b')), turns.run(work('c'))];
    await expect(turns.run(work('d'))).rejects.toThrow('line full');
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    // The line is free again, and a failing piece of work hands over all the same.
    await expect(turns.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await turns.run(async () => 'e')).toBe('e');
  });

  it('hands over on a later turn of the event loop, so what became ready meanwhile runs first', async () => {
    const turns = new OneAtATime(1, refused);
    const log: string[] = [];
    const first = turns.run(async () => {
      // Something else becomes ready while the first runs (a health check's I/O, here an immediate).
      setImmediate(() => log.push('other'));
      log.push('first');
    });
    const second = turns.run(async () => {
      log.push('second');
    });
    await Promise.all([first, second]);
    expect(log).toEqual(['first', 'other', 'second']);
  });
});
