import { z } from 'zod';
import { isLoopbackHost } from '../net/loopback';
import type { SettingRule } from './setting-spec';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The schema that checks one setting's raw string and turns it into its typed value. */
export function schemaFor(rule: SettingRule): z.ZodType<unknown> {
  switch (rule.type) {
    case 'string':
      return rule.pattern === undefined
        ? z.string()
        : z.string().regex(rule.pattern, rule.expected ?? `expected a value matching ${rule.pattern}`);
    case 'httpsUrl':
      if (rule.loopbackHttp !== true) return z.url({ protocol: /^https$/, error: 'expected an https URL' });
      return z.url({ protocol: /^https?$/, error: 'expected an https URL' }).refine((v) => {
        // Zod runs this also after the URL check failed; that case is already reported.
        if (!URL.canParse(v)) return true;
        const url = new URL(v);
        return url.protocol === 'https:' || isLoopbackHost(url.hostname);
      }, 'expected https (plain http is accepted only for loopback hosts such as 127.0.0.1)');
    case 'guid':
      return z.string().regex(GUID, 'expected a GUID');
    case 'enum':
      return z.string().refine((v) => rule.values.includes(v), `expected one of ${rule.values.join(', ')}`);
    case 'int':
      return z.coerce
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(rule.min, `expected at least ${rule.min}`)
        .max(rule.max, `expected at most ${rule.max}`);
    case 'ncrontab':
      // Six fields, seconds first, as the Functions host expects; five-field cron is a common slip.
      return z
        .string()
        .refine(
          (v) => v.trim().split(/\s+/).length === 6,
          'expected a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), e.g. "0 */5 * * * *"',
        );
    case 'list':
      return z
        .string()
        .transform((v) =>
          v
            .split(/[,\n]/)
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        )
        .pipe(z.array(z.string().regex(rule.itemPattern, rule.expected)));
  }
}
