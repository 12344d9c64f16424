import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/config';
import { parseWebhooks, WEBHOOK_KINDS } from '../../../../shared/config/notify-webhooks';
import { SETTINGS } from '../../../../shared/config/settings';
import { appErrorOf } from '../../../helpers/app-errors';

const SECRET =
  'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRETSIG';

describe('NOTIFY_WEBHOOKS', () => {
  it('states the webhook kinds as WEBHOOK_KINDS says, in the setting description and the docs', () => {
    // The settings list is plain data loaded at cold start, so it cannot import the notify feature.
    const setting = SETTINGS.find((s) => s.name === 'NOTIFY_WEBHOOKS');
    expect(setting?.description).toContain(`kind: ${WEBHOOK_KINDS.join('|')}`);
    const docs = readFileSync(join(__dirname, '../../../../docs/notifications.md'), 'utf8');
    const listed = WEBHOOK_KINDS.map((k) => `\`${k}\``);
    expect(docs).toContain(`- \`kind\`: ${listed.slice(0, -1).join(', ')} or ${listed.at(-1)}.`);
    expect(docs).toContain(`expected\none of ${WEBHOOK_KINDS.join(', ')}`);
  });

  it('parses teams, slack and generic entries; events default to all', () => {
    const hooks = parseWebhooks(
      JSON.stringify([
        { name: 'ops', kind: 'teams', url: SECRET },
        {
          name: 'chat',
          kind: 'slack',
          url: 'https://hooks.slack.com/services/T/B/X',
          events: ['probe.down'],
        },
        { name: 'local', kind: 'generic', url: 'http://127.0.0.1:9999/x' },
      ]),
    );
    expect(hooks.map((h) => [h.name, h.kind, h.events.size])).toEqual([
      ['ops', 'teams', 13],
      ['chat', 'slack', 1],
      ['local', 'generic', 13],
    ]);
  });

  it('lists every problem of every entry at once, and never repeats a URL', () => {
    const config = parseConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      NOTIFY_WEBHOOKS: JSON.stringify([
        { name: 'ops', kind: 'teams', url: 'http://hooks.example.com/path?sig=SECRETSIG' },
        { name: 'x', kind: 'email', url: 'not a url', events: ['probe.sideways'] },
        { name: 'ops', kind: 'slack', url: SECRET },
        { kind: 'generic', url: SECRET, extra: 1 },
      ]),
    });
    // Notifications are off (their section throws); the rest of the config reads as usual.
    expect(config.probe.concurrency).toBe(32);
    const error = appErrorOf(() => config.notify);
    expect(error.code).toBe('config_invalid');
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'NOTIFY_WEBHOOKS[0].url',
        'NOTIFY_WEBHOOKS[1].kind',
        'NOTIFY_WEBHOOKS[1].url',
        'NOTIFY_WEBHOOKS[1].events[0]',
        'NOTIFY_WEBHOOKS[3].name',
      ]),
    );
    expect(error.issues.find((i) => i.path === 'NOTIFY_WEBHOOKS[0].url')?.message).toMatch(/https/);
    const text = JSON.stringify({ message: error.message, issues: error.issues });
    expect(text).not.toContain('SECRETSIG');
    expect(text).not.toContain('hooks.example.com');
  });

  it('reports a duplicate name once the entries are otherwise valid', () => {
    const error = appErrorOf(() =>
      parseWebhooks(
        JSON.stringify([
          { name: 'a', kind: 'teams', url: SECRET },
          { name: 'A', kind: 'slack', url: SECRET },
        ]),
      ),
    );
    expect(error.issues).toEqual([{ path: 'NOTIFY_WEBHOOKS[1].name', message: 'duplicate name A' }]);
  });

  it('accepts plain http only for loopback hosts', () => {
    for (const url of ['http://127.0.0.1:1/', 'http://[::1]:1/', 'http://localhost:1/'])
      expect(() => parseWebhooks(JSON.stringify([{ name: 'l', kind: 'generic', url }]))).not.toThrow();
    for (const url of ['http://10.0.0.5/', 'http://hooks.slack.com/x', 'ftp://127.0.0.1/'])
      expect(() => parseWebhooks(JSON.stringify([{ name: 'l', kind: 'generic', url }]))).toThrow(
        /Invalid notification webhooks/,
      );
  });

  it('a value that is not a list is taken as a file path, read later', () => {
    const config = parseConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      NOTIFY_WEBHOOKS: 'notify-webhooks.json',
    });
    expect(config.notify.webhooksSource).toEqual({ kind: 'file', path: 'notify-webhooks.json' });
    expect(
      parseConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).notify.webhooksSource,
    ).toBeNull();
  });
});
