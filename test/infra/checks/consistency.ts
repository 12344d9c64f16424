import { posix } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { ACCEPTED_EVENT_TYPES, ACCEPTED_OPERATION_NAMES } from '../../../shared/approval/core/event-filter';
import {
  ARM_DISCOVERY_READ_OPERATIONS,
  ARM_EXPOSURE_WRITE_OPERATIONS,
  ARM_OPERATIONS,
  CONSUMER_ARM_OPERATIONS,
} from '../../../shared/arm/arm-operations';
import { SETTINGS, type SettingSpec } from '../../../shared/config/settings';
import type { RegisteredFunction } from '../../../shared/host/function-definition';
import { parseProbeTargets } from '../../../shared/probe/adapters/targets';
import {
  type BicepFile,
  callArguments,
  calledFunction,
  descendants,
  modules,
  named,
  parameters,
  properties,
  property,
  propertyPath,
  resolveVariable,
  resources,
  stringArray,
  stringValue,
  usingTarget,
  variables,
} from '../../helpers/bicep';
import { type Check, type Violation, violation } from './violation';

// ---------- app settings ----------

export const FUNCTION_APP_MODULE = 'infra/modules/function-app.bicep';

export interface AppSide {
  /** Entry template that deploys the app through FUNCTION_APP_MODULE. */
  readonly entry: string;
  readonly side: 'provider' | 'consumer';
}

export const APP_SIDES: readonly AppSide[] = [
  { entry: 'infra/provider/main.bicep', side: 'provider' },
  { entry: 'infra/consumer/main.bicep', side: 'consumer' },
];

/**
 * The rule: every setting SETTINGS gives to this side ('both' or the side itself) is set by the
 * deployment, defaults included, so the portal shows the values in force and every one is a
 * parameter. The exceptions are listed here with their reason; nothing else may be left out.
 */
export const NOT_SET_IN_AZURE: Readonly<Record<string, string>> = {
  AzureWebJobsStorage:
    'identity-based storage: the AzureWebJobsStorage__* settings are set instead of a connection string',
  PROBE_RUN_LOCATION: 'defaults to REGION_NAME, which App Service sets',
  NOTIFY_WEBHOOKS:
    'optional: set only when given (Key Vault reference or inline parameter); unset means no notifications',
  DASHBOARD_URL: "optional: set only when given; unset links point at the app's own /api/dashboard",
  NOTIFY_PENDING_REMINDER_HOURS:
    'provider only (a parameter there): the consumer app has no pending connections',
  NOTIFY_QUEUE_NAME: 'delivery tuning with a safe default, not a deployment parameter',
  NOTIFY_MAX_ATTEMPTS: 'delivery tuning with a safe default, not a deployment parameter',
  NOTIFY_RETRY_BASE_SECONDS: 'delivery tuning with a safe default, not a deployment parameter',
  NOTIFY_GROUP_SECONDS: 'delivery tuning with a safe default, not a deployment parameter',
  NOTIFY_TIMEOUT_SECONDS: 'delivery tuning with a safe default, not a deployment parameter',
  NOTIFY_SWEEP_SCHEDULE: 'delivery tuning with a safe default, not a deployment parameter',
};

/** Settings the Functions host and the platform read (not product settings, so not in SETTINGS). */
export const HOST_SETTINGS: ReadonlySet<string> = new Set([
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__blobServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID',
  'WEBSITE_AUTH_AAD_ALLOWED_TENANTS',
]);

function fileAt(files: readonly BicepFile[], path: string): BicepFile | undefined {
  return files.find((f) => f.path === path);
}

/** A property key: an identifier, a plain string, or `'${x}'` where x is a var holding a plain string. */
function keyOf(keyNode: Node, key: string | undefined, file: BicepFile): string | undefined {
  if (key !== undefined) return key;
  const parts = named(keyNode);
  const only = parts.length === 1 && parts[0]?.type === 'interpolation' ? named(parts[0])[0] : undefined;
  return stringValue(resolveVariable(only, file));
}

export interface SettingEntry {
  readonly name: string;
  readonly value: Node | undefined;
  readonly file: BicepFile;
  readonly node: Node;
}

/** Top-level keys of the object(s) an expression builds: object literals, union(), ternaries, vars. */
export function settingEntries(expression: Node | undefined, file: BicepFile): SettingEntry[] {
  const node = resolveVariable(expression, file);
  if (node === undefined) return [];
  switch (node.type) {
    case 'object':
      return properties(node).flatMap((p) => {
        const name = keyOf(p.keyNode, p.key, file);
        return name === undefined ? [] : [{ name, value: p.value, file, node: p.node }];
      });
    case 'call_expression':
      return calledFunction(node) === 'union'
        ? callArguments(node).flatMap((a) => settingEntries(a, file))
        : [];
    case 'ternary_expression':
      return named(node)
        .slice(1)
        .flatMap((branch) => settingEntries(branch, file));
    case 'parenthesized_expression':
      return named(node).flatMap((inner) => settingEntries(inner, file));
    default:
      return [];
  }
}

/** Every app setting the deployment of one side sets: the module's platform settings plus the entry's appSettings. */
export function appSettingsOf(files: readonly BicepFile[], entry: string): SettingEntry[] {
  const entryFile = fileAt(files, entry);
  const moduleFile = fileAt(files, FUNCTION_APP_MODULE);
  if (entryFile === undefined || moduleFile === undefined) return [];
  const fromModule = resources(moduleFile)
    .filter(
      (r) =>
        r.type === 'Microsoft.Web/sites/config' && stringValue(property(r.body, 'name')) === 'appsettings',
    )
    .flatMap((r) => settingEntries(propertyPath(r.body, 'properties'), moduleFile));
  const fromEntry = modules(entryFile)
    .filter((m) => posix.normalize(posix.join(posix.dirname(entry), m.source)) === FUNCTION_APP_MODULE)
    .flatMap((m) => settingEntries(propertyPath(m.body, 'params.appSettings'), entryFile));
  return [...fromModule, ...fromEntry];
}

/** The literal default of the param a setting's value comes from (`p` or `string(p)`), as the app reads it. */
function paramDefault(value: Node | undefined, file: BicepFile): string | undefined {
  const inner = calledFunction(value) === 'string' && value !== undefined ? callArguments(value)[0] : value;
  if (inner?.type !== 'identifier') return undefined;
  const param = parameters(file).find((p) => p.name === inner.text);
  const literal = param?.defaultValue;
  if (literal?.type === 'number') return literal.text;
  return stringValue(literal);
}

export function checkAppSettings(
  files: readonly BicepFile[],
  sides: readonly AppSide[] = APP_SIDES,
  settings: readonly SettingSpec[] = SETTINGS,
  exempt: Readonly<Record<string, string>> = NOT_SET_IN_AZURE,
): Violation[] {
  const found: Violation[] = [];
  const known = new Map(settings.map((s) => [s.name, s]));
  for (const { entry, side } of sides) {
    const entryFile = fileAt(files, entry);
    if (entryFile === undefined) {
      found.push({ rule: 'app-settings', file: entry, line: 1, message: `${entry} is missing` });
      continue;
    }
    const entries = appSettingsOf(files, entry);
    const set = new Set(entries.map((e) => e.name));
    for (const spec of settings) {
      if ((spec.side === 'both' || spec.side === side) && !set.has(spec.name) && !(spec.name in exempt)) {
        found.push(violation('app-settings', entryFile, undefined, `${side} app does not set ${spec.name}`));
      }
    }
    for (const e of entries) {
      const spec = known.get(e.name);
      if (spec === undefined) {
        if (!HOST_SETTINGS.has(e.name)) {
          found.push(
            violation(
              'app-settings',
              e.file,
              e.node,
              `${e.name} is not a setting of shared/config/settings.ts`,
            ),
          );
        }
        continue;
      }
      if (spec.side !== 'both' && spec.side !== side) {
        found.push(
          violation(
            'app-settings',
            e.file,
            e.node,
            `${e.name} is a ${spec.side} setting, set on the ${side} app`,
          ),
        );
      }
      const fallback = paramDefault(e.value, e.file);
      if (fallback !== undefined && spec.default !== undefined && fallback !== spec.default) {
        found.push(
          violation(
            'app-settings',
            e.file,
            e.node,
            `${e.name} defaults to '${fallback}' here but to '${spec.default}' in settings.ts`,
          ),
        );
      }
    }
  }
  return found;
}

// ---------- Event Grid ----------

export interface EventExpectation {
  readonly eventTypes: readonly string[];
  readonly operationNames: readonly string[];
}

const EVENT_SUBSCRIPTION_TYPES = new Set([
  'Microsoft.EventGrid/systemTopics/eventSubscriptions',
  'Microsoft.EventGrid/eventSubscriptions',
]);

function sameSet(a: readonly string[], b: readonly string[]): { missing: string[]; extra: string[] } {
  return { missing: b.filter((x) => !a.includes(x)), extra: a.filter((x) => !b.includes(x)) };
}

/** The event subscriptions deliver exactly what onConnectionEvent accepts (shared/approval/core/event-filter.ts). */
export function checkEventFilters(
  files: readonly BicepFile[],
  expected: EventExpectation = { eventTypes: ACCEPTED_EVENT_TYPES, operationNames: ACCEPTED_OPERATION_NAMES },
): Violation[] {
  const found: Violation[] = [];
  const allTypes = new Set<string>();
  let operationFilters = 0;
  let subscriptions = 0;
  for (const file of files) {
    for (const r of resources(file).filter((x) => EVENT_SUBSCRIPTION_TYPES.has(x.type) && !x.existing)) {
      subscriptions += 1;
      const filter = propertyPath(r.body, 'properties.filter');
      const types = stringArray(property(filter, 'includedEventTypes'), file);
      if (types === undefined) {
        found.push(
          violation(
            'event-filter',
            file,
            r.node,
            `${r.symbol}: includedEventTypes must be a list of strings`,
          ),
        );
      } else {
        for (const t of types) {
          allTypes.add(t);
          if (!expected.eventTypes.includes(t)) {
            found.push(
              violation(
                'event-filter',
                file,
                r.node,
                `${r.symbol}: event type ${t} is not accepted by the handler`,
              ),
            );
          }
        }
      }
      const advanced = resolveVariable(property(filter, 'advancedFilters'), file);
      for (const item of advanced?.type === 'array' ? named(advanced) : []) {
        const object = resolveVariable(item, file);
        if (stringValue(property(object, 'key')) !== 'data.operationName') continue;
        operationFilters += 1;
        if (stringValue(property(object, 'operatorType')) !== 'StringIn') {
          found.push(
            violation(
              'event-filter',
              file,
              item,
              `${r.symbol}: the data.operationName filter must be StringIn`,
            ),
          );
        }
        const names = stringArray(property(object, 'values'), file) ?? [];
        const { missing, extra } = sameSet(names, expected.operationNames);
        for (const m of missing) {
          found.push(
            violation(
              'event-filter',
              file,
              item,
              `${r.symbol}: operation ${m} is accepted by the handler but filtered out`,
            ),
          );
        }
        for (const x of extra) {
          found.push(
            violation(
              'event-filter',
              file,
              item,
              `${r.symbol}: operation ${x} is not accepted by the handler`,
            ),
          );
        }
      }
    }
  }
  if (subscriptions === 0) {
    found.push({ rule: 'event-filter', file: 'infra', line: 1, message: 'no Event Grid subscription found' });
    return found;
  }
  for (const t of expected.eventTypes.filter((x) => !allTypes.has(x))) {
    found.push({
      rule: 'event-filter',
      file: 'infra',
      line: 1,
      message: `no event subscription delivers ${t}`,
    });
  }
  if (operationFilters === 0) {
    found.push({
      rule: 'event-filter',
      file: 'infra',
      line: 1,
      message: 'no event subscription filters on data.operationName',
    });
  }
  return found;
}

// ---------- custom roles ----------

export interface RoleExpectation {
  readonly file: string;
  readonly actions: readonly string[];
}

export const ROLE_EXPECTATIONS: readonly RoleExpectation[] = [
  { file: 'infra/provider/modules/pls-operator-role.bicep', actions: ARM_OPERATIONS },
  { file: 'infra/provider/modules/pls-exposure-writer-role.bicep', actions: ARM_EXPOSURE_WRITE_OPERATIONS },
  { file: 'infra/consumer/modules/pe-reader-role.bicep', actions: CONSUMER_ARM_OPERATIONS },
  { file: 'infra/provider/modules/pls-discovery-reader-role.bicep', actions: ARM_DISCOVERY_READ_OPERATIONS },
  { file: 'infra/provider/discovery-reader-mg.bicep', actions: ARM_DISCOVERY_READ_OPERATIONS },
];

/** Each custom role holds exactly the ARM actions its app performs (shared/arm/arm-operations.ts). */
export function checkCustomRoles(
  files: readonly BicepFile[],
  expectations: readonly RoleExpectation[] = ROLE_EXPECTATIONS,
): Violation[] {
  const found: Violation[] = [];
  for (const { file: path, actions } of expectations) {
    const file = fileAt(files, path);
    const roles =
      file === undefined
        ? []
        : resources(file).filter((r) => r.type === 'Microsoft.Authorization/roleDefinitions' && !r.existing);
    if (file === undefined || roles.length !== 1) {
      found.push({
        rule: 'custom-role',
        file: path,
        line: 1,
        message: 'expected exactly one custom role definition',
      });
      continue;
    }
    const role = roles[0];
    const permissions = resolveVariable(propertyPath(role?.body, 'properties.permissions'), file);
    const granted: string[] = [];
    for (const item of permissions?.type === 'array' ? named(permissions) : []) {
      const block = resolveVariable(item, file);
      granted.push(...(stringArray(property(block, 'actions'), file) ?? []));
      for (const key of ['dataActions', 'notActions', 'notDataActions']) {
        const extra = stringArray(property(block, key), file);
        if (extra !== undefined && extra.length > 0) {
          found.push(
            violation('custom-role', file, item, `${key} must stay empty; the role grants actions only`),
          );
        }
      }
    }
    const { missing, extra } = sameSet(granted, actions);
    for (const m of missing)
      found.push(violation('custom-role', file, role?.node, `role lacks ${m}, which the app performs`));
    for (const x of extra)
      found.push(
        violation('custom-role', file, role?.node, `role grants ${x}, which the app does not perform`),
      );
  }
  return found;
}

// ---------- function registry ----------

/**
 * Routes infra may leave out of Easy Auth although they keep the function key, because the app
 * then checks a credential of their own (and accepts no principal header there).
 */
const OWN_CREDENTIAL_ROUTES: Readonly<Record<string, string>> = {
  metrics:
    'excluded only when METRICS_SCRAPE_TOKEN is given; the app then requires that bearer token (shared/auth/scrape-token.ts)',
};

function routeMatches(template: string, path: string): boolean {
  const t = template.split('/');
  const p = path.split('/');
  return t.length === p.length && t.every((segment, i) => /^\{.+\}$/.test(segment) || segment === p[i]);
}

/**
 * Names infra uses exist in functions/registry.ts: `/functions/<name>` targets an Event Grid
 * function, `/api/<route>` (paths exempted from Easy Auth) an anonymous HTTP route, and every
 * `*_SCHEDULE` / `*_QUEUE_NAME` setting an app sets is the `%SETTING%` of a timer / queue function.
 */
export function checkRegistryReferences(
  files: readonly BicepFile[],
  functions: readonly RegisteredFunction[],
  sides: readonly AppSide[] = APP_SIDES,
): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    for (const content of descendants(file.root, 'string_content')) {
      for (const match of content.text.matchAll(/\/functions\/([A-Za-z0-9_-]+)/g)) {
        const name = match[1] ?? '';
        const fn = functions.find((f) => f.name === name);
        if (fn?.kind !== 'eventGrid') {
          found.push(
            violation(
              'registry',
              file,
              content,
              `/functions/${name}: no Event Grid function of that name in the registry`,
            ),
          );
        }
      }
      const api = /^\/api\/(.+)$/.exec(content.text);
      if (api !== null) {
        const route = api[1] ?? '';
        const fn = functions.find((f) => f.kind === 'http' && routeMatches(f.options.route, route));
        if (fn === undefined) {
          found.push(
            violation('registry', file, content, `/api/${route}: no HTTP route of the registry matches`),
          );
        } else if (
          fn.kind === 'http' &&
          fn.options.authLevel !== 'anonymous' &&
          !(fn.name in OWN_CREDENTIAL_ROUTES)
        ) {
          found.push(
            violation(
              'registry',
              file,
              content,
              `/api/${route} is exempted in infra but ${fn.name} is not anonymous`,
            ),
          );
        }
      }
    }
  }
  const bindings = new Set(
    functions.flatMap((f) =>
      f.kind === 'timer' ? [f.options.schedule] : f.kind === 'storageQueue' ? [f.options.queueName] : [],
    ),
  );
  for (const { entry } of sides) {
    for (const e of appSettingsOf(files, entry)) {
      if (/_SCHEDULE$|_QUEUE_NAME$/.test(e.name) && !bindings.has(`%${e.name}%`)) {
        found.push(
          violation(
            'registry',
            e.file,
            e.node,
            `${e.name} is set but no registered function binds %${e.name}%`,
          ),
        );
      }
    }
  }
  return found;
}

// ---------- parameter files ----------

/** A parameter file sets only parameters its template declares, all required ones, and no secret literals. */
export const paramFilesMatchTemplates: Check = (files) =>
  files
    .filter((f) => f.isParamFile)
    .flatMap((file): Violation[] => {
      const target = usingTarget(file);
      const template =
        target === undefined
          ? undefined
          : fileAt(files, posix.normalize(posix.join(posix.dirname(file.path), target)));
      if (template === undefined) {
        return [
          violation(
            'param-file',
            file,
            undefined,
            `using '${target ?? ''}' does not name a template of infra/`,
          ),
        ];
      }
      const declared = parameters(template);
      const assigned = variables(file);
      const found: Violation[] = [];
      for (const [name, value] of assigned) {
        const param = declared.find((p) => p.name === name);
        if (param === undefined)
          found.push(violation('param-file', file, value, `${name} is not a parameter of ${template.path}`));
        else if (param.decorators.includes('secure') && stringValue(value) !== undefined) {
          found.push(
            violation(
              'param-file',
              file,
              value,
              `${name} is @secure(); read it from the environment, not a literal`,
            ),
          );
        }
      }
      for (const p of declared.filter((x) => x.defaultValue === undefined && !assigned.has(x.name))) {
        found.push(
          violation(
            'param-file',
            file,
            undefined,
            `required parameter ${p.name} of ${template.path} is not set`,
          ),
        );
      }
      return found;
    });

/** Example PROBE_TARGETS in parameter files are valid for the probe's own parser. */
export const exampleProbeTargetsParse: Check = (files) =>
  files
    .filter((f) => f.isParamFile)
    .flatMap((file) => {
      const value = variables(file).get('probeTargets');
      const text = stringValue(value);
      if (value === undefined || text === undefined) return [];
      try {
        parseProbeTargets(text, `${file.path} probeTargets`);
        return [];
      } catch (error) {
        return [
          violation(
            'probe-targets',
            file,
            value,
            `example probe targets do not parse: ${(error as Error).message}`,
          ),
        ];
      }
    });
