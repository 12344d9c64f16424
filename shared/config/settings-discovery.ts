/*
 * Discovery of managed services through Azure Resource Graph (docs/approval.md, "Services found by
 * Resource Graph"): besides PLS_RESOURCE_IDS, every Private Link Service in some subscriptions or a
 * management group, optionally only those carrying one tag. Optional; a bad value stops discovery
 * alone, and the services of PLS_RESOURCE_IDS are managed as before.
 */
import type { SettingSpec } from './setting-spec';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** Management group ids: up to 90 letters, digits, `-`, `_`, `(`, `)`, `.` ("Organize your resources with management groups"). */
export const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9._()-]{1,90}$/;

export const DISCOVERY_SETTINGS = [
  {
    name: 'PLS_DISCOVERY_SCOPE',
    description:
      'Where Resource Graph looks for more Private Link Services to manage: subscription ids (comma or newline separated) or `managementGroup:<id>`. Unset: only `PLS_RESOURCE_IDS`.',
    example: 'managementGroup:mg-provider',
    side: 'provider',
    rule: {
      type: 'string',
      pattern: new RegExp(
        `^\\s*(?:managementGroup:[A-Za-z0-9._()-]{1,90}|${GUID}(?:\\s*[,\\n]\\s*${GUID})*\\s*,?)\\s*$`,
      ),
      expected: 'expected subscription ids (comma or newline separated) or managementGroup:<id>',
    },
    feature: 'discovery',
  },
  {
    name: 'PLS_DISCOVERY_TAG',
    description:
      'Only services carrying this tag are discovered: `name=value` (exact, case-sensitive as Resource Graph compares). Quotes and backslashes are refused. Unset: every PLS in `PLS_DISCOVERY_SCOPE`.',
    example: 'private-link-gatekeeper=managed',
    side: 'provider',
    rule: {
      type: 'string',
      // Azure refuses < > % & \ ? / in tag names; quotes are refused too so the value is a plain KQL literal.
      pattern: /^[^=<>%&\\?/'"\r\n]{1,512}=[^'"\\\r\n]{0,256}$/,
      expected: 'expected name=value (no quotes or backslashes; the name without < > % & ? /)',
    },
    feature: 'discovery',
  },
] as const satisfies readonly SettingSpec[];
