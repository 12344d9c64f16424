import type { Node } from 'web-tree-sitter';
import {
  type BicepFile,
  modules,
  named,
  type ParameterDeclaration,
  parameters,
  propertyPath,
  resources,
  stringValue,
} from '../../helpers/bicep';
import { type Violation, violation } from './violation';

/** The module every function app is deployed through, and the entry points that deploy one. */
export const FUNCTION_APP_MODULE = 'infra/modules/function-app.bicep';
export const APP_ENTRY_POINTS: readonly string[] = ['infra/provider/main.bicep', 'infra/consumer/main.bicep'];

/** Flex Consumption's range for maximumInstanceCount (learn.microsoft.com event-driven-scaling#limit-scale-out). */
export const FLEX_MAX_INSTANCES = { min: 40, max: 1000 } as const;
/** Node majors the apps may be deployed on; the first is the default (DESIGN.md, docs/deploy.md). */
export const NODE_VERSIONS: readonly string[] = ['22', '24'];

function fileAt(files: readonly BicepFile[], path: string): BicepFile | undefined {
  return files.find((f) => f.path === path);
}

/** The argument text of a parameter's decorator, e.g. `40` for `@minValue(40)`; undefined when absent. */
function decoratorArgument(param: ParameterDeclaration, decorator: string): string | undefined {
  const index = param.decorators.indexOf(decorator);
  const node = index === -1 ? undefined : param.decoratorNodes[index];
  const match = node?.text.match(/\(([\s\S]*)\)\s*$/);
  return match?.[1]?.trim();
}

/** The string items of an `@allowed([...])` decorator. */
function allowedValues(param: ParameterDeclaration): string[] | undefined {
  const argument = decoratorArgument(param, 'allowed');
  if (argument === undefined) return undefined;
  return [...argument.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
}

function missingFile(rule: string, path: string): Violation {
  return { rule, file: path, line: 1, message: 'file not found' };
}

/**
 * Every `maximumInstanceCount` parameter, in the module and in the entry points that expose it, is
 * bounded to Flex Consumption's 40..1000, with a default inside it.
 */
export function checkMaximumInstanceCount(files: readonly BicepFile[]): Violation[] {
  const found: Violation[] = [];
  const rule = 'flex-max-instances';
  for (const path of [FUNCTION_APP_MODULE, ...APP_ENTRY_POINTS]) {
    const file = fileAt(files, path);
    if (file === undefined) {
      found.push(missingFile(rule, path));
      continue;
    }
    const param = parameters(file).find((p) => p.name === 'maximumInstanceCount');
    if (param === undefined) {
      if (path === FUNCTION_APP_MODULE) {
        found.push(
          violation(rule, file, undefined, 'function-app.bicep has no maximumInstanceCount parameter'),
        );
      }
      continue;
    }
    const min = decoratorArgument(param, 'minValue');
    const max = decoratorArgument(param, 'maxValue');
    if (min !== String(FLEX_MAX_INSTANCES.min)) {
      found.push(
        violation(
          rule,
          file,
          param.node,
          `@minValue is ${min ?? 'missing'}; Flex Consumption's lowest maximum is 40`,
        ),
      );
    }
    if (max !== String(FLEX_MAX_INSTANCES.max)) {
      found.push(
        violation(
          rule,
          file,
          param.node,
          `@maxValue is ${max ?? 'missing'}; Flex Consumption's highest maximum is 1000`,
        ),
      );
    }
    const fallback = Number(param.defaultValue?.text);
    if (!(fallback >= FLEX_MAX_INSTANCES.min && fallback <= FLEX_MAX_INSTANCES.max)) {
      found.push(
        violation(rule, file, param.node, `default ${param.defaultValue?.text} is outside 40..1000`),
      );
    }
  }
  return found;
}

function nodeVersionParamProblems(file: BicepFile): Violation[] {
  const rule = 'node-version';
  const param = parameters(file).find((p) => p.name === 'nodeVersion');
  if (param === undefined) return [violation(rule, file, undefined, 'no nodeVersion parameter')];
  const found: Violation[] = [];
  const allowed = allowedValues(param);
  if (allowed === undefined || allowed.join(',') !== NODE_VERSIONS.join(',')) {
    found.push(
      violation(
        rule,
        file,
        param.node,
        `@allowed is [${allowed?.join(', ') ?? ''}]; expected [${NODE_VERSIONS.join(', ')}]`,
      ),
    );
  }
  if (stringValue(param.defaultValue) !== NODE_VERSIONS[0]) {
    found.push(
      violation(
        rule,
        file,
        param.node,
        `default is ${param.defaultValue?.text}; expected '${NODE_VERSIONS[0]}'`,
      ),
    );
  }
  return found;
}

/**
 * The Node major is a parameter (22 by default, 24 selectable) that the function app module puts in
 * functionAppConfig.runtime, and every entry point passes its own nodeVersion through.
 */
export function checkNodeVersion(files: readonly BicepFile[]): Violation[] {
  const found: Violation[] = [];
  const rule = 'node-version';
  const module = fileAt(files, FUNCTION_APP_MODULE);
  if (module === undefined) return [missingFile(rule, FUNCTION_APP_MODULE)];
  found.push(...nodeVersionParamProblems(module));
  for (const site of resources(module).filter((r) => r.type === 'Microsoft.Web/sites' && !r.existing)) {
    const runtime = propertyPath(site.body, 'properties.functionAppConfig.runtime');
    const name = stringValue(propertyPath(runtime, 'name'));
    const version = propertyPath(runtime, 'version');
    if (name !== 'node' || version?.text !== 'nodeVersion') {
      found.push(
        violation(
          rule,
          module,
          runtime ?? site.node,
          `runtime is ${name}/${version?.text}; expected node/nodeVersion`,
        ),
      );
    }
  }
  for (const path of APP_ENTRY_POINTS) {
    const file = fileAt(files, path);
    if (file === undefined) {
      found.push(missingFile(rule, path));
      continue;
    }
    found.push(...nodeVersionParamProblems(file));
    for (const app of modules(file).filter((m) => m.source.endsWith('modules/function-app.bicep'))) {
      const passed = propertyPath(app.body, 'params.nodeVersion');
      if (passed?.text !== 'nodeVersion') {
        found.push(
          violation(rule, file, app.node, `module ${app.symbol} does not pass nodeVersion: nodeVersion`),
        );
      }
    }
  }
  return found;
}

function dependsOn(body: Node | undefined): string[] {
  const list = propertyPath(body, 'dependsOn');
  return list?.type === 'array' ? named(list).map((n) => n.text) : [];
}

/**
 * A module that assigns a custom role (it takes a `roleGuid`) is deployed after the module that
 * defines that role and after the function app: ARM refuses an assignment of a definition that has
 * not replicated yet (RoleDefinitionDoesNotExist; see infra/provider/main.bicep).
 */
export function checkRoleAssignmentOrder(files: readonly BicepFile[]): Violation[] {
  const found: Violation[] = [];
  const rule = 'role-after-definition';
  for (const path of APP_ENTRY_POINTS) {
    const file = fileAt(files, path);
    if (file === undefined) {
      found.push(missingFile(rule, path));
      continue;
    }
    const all = modules(file);
    // Each definition module is known by the role name it is given; an assignment names the role it
    // assigns through the same expression in its roleGuid (guid(subscription().id, <roleName>)).
    const definitions = all
      .filter((m) => /-role\.bicep$/.test(m.source))
      .map((m) => ({ symbol: m.symbol, roleName: propertyPath(m.body, 'params.roleName')?.text }));
    const apps = all.filter((m) => m.source.endsWith('modules/function-app.bicep')).map((m) => m.symbol);
    const assignments = all.filter((m) => propertyPath(m.body, 'params.roleGuid') !== undefined);
    if (assignments.length === 0) {
      found.push(violation(rule, file, undefined, 'no module assigns a custom role'));
    }
    for (const assignment of assignments) {
      const after = dependsOn(assignment.body);
      const roleGuid = propertyPath(assignment.body, 'params.roleGuid')?.text ?? '';
      const assigned = definitions
        .filter((d) => d.roleName !== undefined && roleGuid.includes(d.roleName))
        .map((d) => d.symbol);
      if (assigned.length === 0)
        found.push(
          violation(
            rule,
            file,
            assignment.node,
            `module ${assignment.symbol} assigns a role no module here defines`,
          ),
        );
      for (const needed of [...assigned, ...apps]) {
        if (!after.includes(needed)) {
          found.push(
            violation(
              rule,
              file,
              assignment.node,
              `module ${assignment.symbol} does not depend on ${needed}`,
            ),
          );
        }
      }
    }
  }
  return found;
}
