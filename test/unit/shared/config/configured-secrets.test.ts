import { describe, expect, it } from 'vitest';
import { configuredSecretValues } from '../../../../shared/config/configured-secrets';

const ACCOUNT_KEY = 'c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==';
const IKEY = '0b5e1f0e-1111-4222-8333-944444444444';
const SLACK_TOKEN = 'xYzAbC0123456789TokenPart';
const SCRAPE_TOKEN = 'scrape-token-for-tests-0123456789abcdef';

describe('every secret-bearing setting gives its secrets to the log redactor', () => {
  it('storage and Application Insights connection strings, the metrics scrape token, webhook URLs, probe headers and query values', () => {
    const values = configuredSecretValues({
      env: {
        AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=st01;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=https://x/`,
        METRICS_SCRAPE_TOKEN: SCRAPE_TOKEN,
        NOTIFY_WEBHOOKS: JSON.stringify([
          { name: 's', kind: 'slack', url: `https://hooks.slack.example/services/T0/B0/${SLACK_TOKEN}` },
        ]),
        PROBE_TARGETS: JSON.stringify([
          {
            id: 'a',
            url: 'http://10.0.0.5/?code=fn-key-value&token=k3Y5!',
            headers: { 'X-Api-Key': 'k3Y5', Accept: 'text/html' },
          },
        ]),
      },
    });
    expect(values).toEqual(
      expect.arrayContaining([ACCOUNT_KEY, IKEY, SCRAPE_TOKEN, SLACK_TOKEN, 'fn-key-value', 'k3Y5!', 'k3Y5']),
    );
    // Not secrets: a standard header's value, a short path word of the webhook URL.
    expect(values).not.toContain('text/html');
    expect(values).not.toContain('services');
    // A webhook at the root: its path `/` is no secret (it would be redacted wherever it stands alone).
    expect(
      configuredSecretValues({ env: { NOTIFY_WEBHOOKS: '[{"url":"https://h.example/"}]' } }),
    ).not.toContain('/');
  });

  it('reads document settings given as files, and never throws on malformed ones', () => {
    const files: Record<string, string> = {
      'targets.yaml': 'targets:\n  - id: a\n    url: http://10.0.0.5/?sig=sas-signature-value\n',
      'hooks.json': JSON.stringify([{ url: 'https://h.example/x?token=webhook-token-in-a-file' }]),
    };
    const values = configuredSecretValues({
      env: { PROBE_TARGETS_PATH: 'targets.yaml', NOTIFY_WEBHOOKS: 'hooks.json' },
      readFile: (path) => files[path],
    });
    expect(values).toEqual(expect.arrayContaining(['sas-signature-value', 'webhook-token-in-a-file']));
    expect(
      configuredSecretValues({
        env: { PROBE_TARGETS: '[{', NOTIFY_WEBHOOKS: '[{"url": 5}]', AzureWebJobsStorage: ';;=' },
      }),
    ).toEqual([';;=']);
  });
});
