import { posix } from 'node:path';
import type { Node } from 'web-tree-sitter';
import {
  callArguments,
  calledFunction,
  descendants,
  modules,
  named,
  outputs,
  parameters,
  properties,
  property,
  propertyPath,
  resolveVariable,
  resources,
  stringValue,
  syntaxProblems,
  variables,
} from '../../helpers/bicep';
import { type Check, type Violation, violation } from './violation';

/** Every file parses: no ERROR and no MISSING node. */
export const parsesCleanly: Check = (files) =>
  files.flatMap((file) =>
    syntaxProblems(file).map((p) => ({ rule: 'parses', file: file.path, line: p.line, message: p.message })),
  );

const REGISTRY_REF = /^(br|ts)[:/]/;
// A registry reference ends in an explicit version tag (semver-like or a date), never a moving tag.
const PINNED = /:(v?\d+\.\d+(\.\d+)?([-.][\w.]+)?|\d{4}-\d{2}-\d{2})$/;

/** Registry modules (`br:`, `br/alias:`, `ts:`) carry a fixed version; local modules point at a file that exists. */
export const modulesArePinned: Check = (files) => {
  const known = new Set(files.map((f) => f.path));
  return files.flatMap((file) =>
    modules(file).flatMap((m): Violation[] => {
      if (REGISTRY_REF.test(m.source)) {
        return PINNED.test(m.source) && !/:latest$/i.test(m.source)
          ? []
          : [
              violation(
                'module-pinned',
                file,
                m.node,
                `module ${m.symbol} '${m.source}' is not pinned to a version`,
              ),
            ];
      }
      const target = posix.normalize(posix.join(posix.dirname(file.path), m.source));
      return known.has(target)
        ? []
        : [
            violation(
              'module-pinned',
              file,
              m.node,
              `module ${m.symbol} points at ${target}, which does not exist`,
            ),
          ];
    }),
  );
};

/** Role assignment names are `guid(scope, principal, role)`: deterministic, so redeploys update instead of failing. */
export const roleAssignmentNamesUseGuid: Check = (files) =>
  files.flatMap((file) =>
    resources(file)
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments' && !r.existing)
      .flatMap((r): Violation[] => {
        const name = property(r.body, 'name');
        if (calledFunction(name) !== 'guid') {
          return [
            violation(
              'role-assignment-guid',
              file,
              name ?? r.node,
              `role assignment ${r.symbol}: name must be guid(...)`,
            ),
          ];
        }
        return name !== undefined && callArguments(name).length >= 3
          ? []
          : [
              violation(
                'role-assignment-guid',
                file,
                name,
                `role assignment ${r.symbol}: guid() needs scope, principal and role (at least 3 arguments)`,
              ),
            ];
      }),
  );

/** Every `param` of a template says what it is for. */
export const paramsHaveDescriptions: Check = (files) =>
  files
    .filter((file) => !file.isParamFile)
    .flatMap((file) =>
      parameters(file).flatMap((p): Violation[] => {
        const index = p.decorators.indexOf('description');
        const call = index === -1 ? undefined : named(p.decoratorNodes[index] as Node)[0];
        const text = call === undefined ? undefined : stringValue(callArguments(call)[0]);
        return text !== undefined && text.trim() !== ''
          ? []
          : [violation('param-description', file, p.node, `param ${p.name} has no @description`)];
      }),
    );

const LOCATION_NAME = /^location$|Location$/;

/** A location is a parameter (defaulting to the resource group's or deployment's) or 'global', never a region literal. */
export const noLiteralLocations: Check = (files) =>
  files.flatMap((file) => {
    const found: Violation[] = [];
    const literalRegion = (node: Node | undefined): string | undefined => {
      const value = stringValue(resolveVariable(node, file));
      return value !== undefined && value.toLowerCase() !== 'global' ? value : undefined;
    };
    for (const object of descendants(file.root, 'object')) {
      for (const p of properties(object)) {
        if (p.key !== 'location') continue;
        const region = literalRegion(p.value);
        if (region !== undefined) {
          found.push(violation('no-literal-location', file, p.node, `location is the literal '${region}'`));
        }
      }
    }
    for (const p of parameters(file)) {
      const region = LOCATION_NAME.test(p.name) ? literalRegion(p.defaultValue) : undefined;
      if (region !== undefined) {
        found.push(violation('no-literal-location', file, p.node, `param ${p.name} defaults to '${region}'`));
      }
    }
    if (file.isParamFile) {
      for (const [name, value] of variables(file)) {
        const region = LOCATION_NAME.test(name) ? literalRegion(value) : undefined;
        if (region !== undefined) {
          found.push(
            violation('no-literal-location', file, value, `${name} is set to the literal '${region}'`),
          );
        }
      }
    }
    return found;
  });

const SECRET_LOOKING = /key|secret|password|connectionstring|listkeys|token|\bsas\b/i;

/** Outputs are stored in the deployment history in clear text: nothing secret-looking may be one. */
export const noSecretOutputs: Check = (files) =>
  files.flatMap((file) =>
    outputs(file)
      .filter((o) => SECRET_LOOKING.test(o.name) || SECRET_LOOKING.test(o.value?.text ?? ''))
      .map((o) =>
        violation('no-secret-outputs', file, o.node, `output ${o.name} looks like it exposes a secret`),
      ),
  );

/** Storage accounts refuse shared keys: identity-based access only. */
export const storageWithoutSharedKeys: Check = (files) =>
  files.flatMap((file) =>
    resources(file)
      .filter((r) => r.type === 'Microsoft.Storage/storageAccounts' && !r.existing)
      .flatMap((r): Violation[] => {
        const value = propertyPath(r.body, 'properties.allowSharedKeyAccess');
        return value?.type === 'boolean' && value.text === 'false'
          ? []
          : [
              violation(
                'storage-no-shared-keys',
                file,
                value ?? r.node,
                `storage account ${r.symbol}: allowSharedKeyAccess must be false`,
              ),
            ];
      }),
  );

/** Every resource that has a location also carries tags. */
export const resourcesAreTagged: Check = (files) =>
  files.flatMap((file) =>
    resources(file)
      .filter(
        (r) =>
          !r.existing && property(r.body, 'location') !== undefined && property(r.body, 'tags') === undefined,
      )
      .map((r) => violation('tags', file, r.node, `resource ${r.symbol} (${r.type}) has no tags`)),
  );

/** Every declared param is used (bicep lint's no-unused-params, which cannot run here). */
export const paramsAreUsed: Check = (files) =>
  files
    .filter((file) => !file.isParamFile)
    .flatMap((file) => {
      const used = new Set(
        descendants(file.root, 'identifier')
          // Declarations and object keys (`location: ...`) name things; they do not use them.
          .filter((id) => id.parent?.type !== 'parameter_declaration')
          .filter((id) => !(id.parent?.type === 'object_property' && id.parent.namedChildren[0]?.equals(id)))
          .map((id) => id.text),
      );
      return parameters(file)
        .filter((p) => !used.has(p.name))
        .map((p) => violation('params-used', file, p.node, `param ${p.name} is never used`));
    });

/**
 * Site properties Flex Consumption refuses ("Flex Consumption plan deprecations" in
 * learn.microsoft.com/azure/azure-functions/functions-app-settings; ARM answers "...site
 * configuration properties (Site.SiteConfig.FtpsState, ...) for Flex Consumption sites is invalid").
 * The runtime, its version and scale live in functionAppConfig instead.
 */
export const FLEX_REFUSED_SITE_CONFIG: readonly string[] = [
  'ftpsState',
  'linuxFxVersion',
  'windowsFxVersion',
  'netFrameworkVersion',
  'javaVersion',
  'powerShellVersion',
  'functionAppScaleLimit',
  'preWarmedInstanceCount',
  'use32BitWorkerProcess',
];

/** A Flex Consumption site (one with functionAppConfig) sets none of FLEX_REFUSED_SITE_CONFIG. */
export const flexSitesAvoidDeprecatedProperties: Check = (files) =>
  files.flatMap((file) =>
    resources(file)
      .filter(
        (r) =>
          r.type === 'Microsoft.Web/sites' &&
          !r.existing &&
          propertyPath(r.body, 'properties.functionAppConfig') !== undefined,
      )
      .flatMap((r) =>
        properties(resolveVariable(propertyPath(r.body, 'properties.siteConfig'), file))
          .filter((p) => p.key !== undefined && FLEX_REFUSED_SITE_CONFIG.includes(p.key))
          .map((p) =>
            violation(
              'flex-site-config',
              file,
              p.node,
              `site ${r.symbol}: Flex Consumption refuses siteConfig.${p.key}`,
            ),
          ),
      ),
  );

export const HOUSE_RULES: Readonly<Record<string, Check>> = {
  flexSitesAvoidDeprecatedProperties,
  parsesCleanly,
  modulesArePinned,
  roleAssignmentNamesUseGuid,
  paramsHaveDescriptions,
  noLiteralLocations,
  noSecretOutputs,
  storageWithoutSharedKeys,
  resourcesAreTagged,
  paramsAreUsed,
};
