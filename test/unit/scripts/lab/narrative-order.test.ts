import { describe, expect, it } from 'vitest';
import { labLogger, shortLogLine } from '../../../../scripts/lab/lab-logger';
import { narrator, storyOrder } from '../../../../scripts/lab/narrative';
import { RecordingLogger } from '../../../../scripts/local-host/invocation-logger';

describe('the lab clock', () => {
  it('counts from the "ready" line, as the README and the scenario times do', () => {
    const lines: string[] = [];
    const story = narrator((t) => lines.push(t), Date.now() - 60_000);
    story.markReady(Date.now() - 5_200);
    story.say('Fabrikam creates pe-fabrikam-web');
    expect(lines).toEqual(['[lab +  5s] Fabrikam creates pe-fabrikam-web\n']);
  });
});

describe('the narrative order', () => {
  it('tells a notification after the probe change it belongs to', () => {
    const lines: string[] = [];
    const order = storyOrder((l) => lines.push(l), 60_000);
    const at = Date.now();
    order.sayAfter('pe-a', 'DOWN', at, 'notify probe.down: pe-a');
    expect(lines).toEqual([]);
    lines.push('INCIDENT probe pe-a: UP → DOWN');
    order.told('pe-a', 'DOWN');
    expect(lines).toEqual(['INCIDENT probe pe-a: UP → DOWN', 'notify probe.down: pe-a']);
    // Told already: at once.
    order.sayAfter('pe-a', 'DOWN', at, 'notify probe.down: pe-a (again)');
    expect(lines.at(-1)).toBe('notify probe.down: pe-a (again)');
  });

  it('an earlier change of the same kind does not count, and nothing waits for ever', async () => {
    const lines: string[] = [];
    const order = storyOrder((l) => lines.push(l), 30);
    order.told('pe-a', 'DOWN');
    order.sayAfter('pe-a', 'DOWN', Date.now() + 60_000, 'notify probe.down: pe-a (a later incident)');
    expect(lines).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(lines).toEqual(['notify probe.down: pe-a (a later incident)']);
  });
});

describe('the lab logger', () => {
  const failed = {
    functionName: 'probeEndpoints',
    invocationId: 'i',
    trigger: 'timer' as const,
    detail: 'schedule */5 * * * * *',
    durationMs: 1,
    outcome: 'failed' as const,
    result: 'config_invalid: PROBE_TARGETS_PATH probe-targets.yaml: targets.0.url: Invalid URL',
  };

  it('tells a repeating failure once, then how often it came again', () => {
    let clock = 0;
    const inner = new RecordingLogger();
    const logger = labLogger(inner, () => true, { repeatSummaryMs: 60_000, now: () => clock });
    for (let i = 0; i < 13; i++) {
      logger.invocation({ ...failed, invocationId: `i${i}` });
      logger.functionLog('probeEndpoints', `i${i}`, 'error', [
        JSON.stringify({
          event: 'probe.targets_invalid',
          code: 'config_invalid',
          message: 'bad targets',
          issues: [{ path: 'targets.0.url', message: 'Invalid URL' }],
        }),
      ]);
      clock += 5_000;
    }
    expect(inner.invocations).toHaveLength(1);
    expect(inner.lines.map((l) => l.text)).toEqual([
      'probeEndpoints: probe.targets_invalid (config_invalid) bad targets first: targets.0.url: Invalid URL',
      '  … probeEndpoints failed (config_invalid: PROBE_TARGETS_PATH probe-targets.yaml: targets.0.url: Invalid URL): again 12 times in the last 60 s',
      '  … probeEndpoints: probe.targets_invalid (config_invalid) bad targets first: targets.0.url: Invalid URL: again 12 times in the last 60 s',
    ]);
  });

  it('counts the host’s own repeated errors (a function that threw, with its stack) by their first line', () => {
    let clock = 0;
    const inner = new RecordingLogger();
    const logger = labLogger(inner, () => true, { repeatSummaryMs: 60_000, now: () => clock });
    for (let i = 0; i < 13; i++) {
      logger.error(
        `probeEndpoints (${i.toString(16)}b534bb5-133d-4a25-a4d0-dd79ac6f9abe) threw:\nAppError: bad targets\n    at nu (x.mjs:1:2)`,
      );
      clock += 5_000;
    }
    expect(inner.lines.map((l) => l.text.split('\n')[0])).toEqual([
      'probeEndpoints (0b534bb5-133d-4a25-a4d0-dd79ac6f9abe) threw:',
      '  … probeEndpoints (…) threw:: again 12 times in the last 60 s',
    ]);
  });

  it('hides skipped invocations (a timer run skipped while the last one still runs) while the lab runs', () => {
    const inner = new RecordingLogger();
    const logger = labLogger(inner, () => true);
    logger.invocation({ ...failed, outcome: 'skipped', result: 'the previous run is still in progress' });
    expect(inner.invocations).toEqual([]);
  });

  it('turns a structured line into words, and leaves other text as it is', () => {
    expect(shortLogLine('{"event":"notify.poison","code":"http_500"}')).toBe('notify.poison (http_500)');
    expect(shortLogLine('plain\n  words')).toBe('plain words');
    expect(
      shortLogLine('{"event":"probe.run.targetsInvalid","message":"1 problem:\\n  - targets[0].url"}'),
    ).toBe('probe.run.targetsInvalid 1 problem: - targets[0].url');
    expect(shortLogLine('{not json')).toBe('{not json');
  });
});
