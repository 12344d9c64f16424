import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Language, type Node, Parser } from 'web-tree-sitter';

/**
 * Bicep parsing for the project's own infra rules (house rules, agreement with the code): files are
 * parsed with tree-sitter-bicep (syntax only) and the checks walk the syntax trees, with no binary.
 * Type checking and Microsoft's linter come from the real Bicep CLI (scripts/check-infra.ts,
 * test/infra/bicep-cli.test.ts).
 */

export interface BicepFile {
  /** Repo-relative path with forward slashes, e.g. `infra/provider/main.bicep`. */
  readonly path: string;
  readonly text: string;
  readonly root: Node;
  /** A `.bicepparam` file, parsed after `normaliseParamFile` (see there). */
  readonly isParamFile: boolean;
}

const WASM = join(__dirname, '..', '..', 'node_modules', 'tree-sitter-bicep', 'tree-sitter-bicep.wasm');

let parserPromise: Promise<Parser> | undefined;

function parser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(WASM);
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parserPromise;
}

/**
 * tree-sitter-bicep 1.1 has no rule for a parameter file's `param name = value` (it expects a type
 * after the name and reports ERROR/MISSING nodes). `var` has exactly the shape of a bicepparam
 * assignment, so param lines are re-spelled as `var` with the same length: positions and line
 * numbers stay those of the original file.
 */
export function normaliseParamFile(text: string): string {
  return text.replace(/^(\s*)param(\s)/gm, '$1var  $2');
}

/** Parses one Bicep or bicepparam text; `path` decides which. */
export async function parseBicep(path: string, text: string): Promise<BicepFile> {
  const isParamFile = path.endsWith('.bicepparam');
  const tree = (await parser()).parse(isParamFile ? normaliseParamFile(text) : text);
  if (tree === null) throw new Error(`tree-sitter returned no tree for ${path}`);
  return { path, text, root: tree.rootNode, isParamFile };
}

/** Every `.bicep` and `.bicepparam` file under `dir` (repo-relative paths), parsed. */
export async function parseInfraFiles(repoRoot: string, dir = 'infra'): Promise<BicepFile[]> {
  const files: BicepFile[] = [];
  const paths: string[] = [];
  const collect = (absolute: string): void => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const full = join(absolute, entry.name);
      if (entry.isDirectory()) collect(full);
      else if (/\.bicep(param)?$/.test(entry.name)) paths.push(full);
    }
  };
  collect(join(repoRoot, dir));
  for (const full of paths.sort()) {
    files.push(await parseBicep(relative(repoRoot, full).split(sep).join('/'), readFileSync(full, 'utf8')));
  }
  return files;
}

// ---------- tree helpers ----------

export function named(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null);
}

export function descendants(node: Node, type: string | string[]): Node[] {
  return node.descendantsOfType(type).filter((child): child is Node => child !== null);
}

/** 1-based line of a node, for messages. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** ERROR nodes and MISSING nodes anywhere in the tree: a file with either did not parse. */
export function syntaxProblems(file: BicepFile): { line: number; message: string }[] {
  const problems: { line: number; message: string }[] = [];
  // A full walk: a MISSING node does not always mark its ancestors with hasError.
  const visit = (node: Node): void => {
    if (node.isError)
      problems.push({ line: lineOf(node), message: `syntax error near "${node.text.slice(0, 40)}"` });
    else if (node.isMissing) problems.push({ line: lineOf(node), message: `missing ${node.type}` });
    for (const child of node.children) if (child !== null) visit(child);
  };
  visit(file.root);
  return problems;
}

/** The value of a plain string literal ('abc'); undefined for interpolated strings and anything else. */
export function stringValue(node: Node | undefined): string | undefined {
  if (node === undefined || node.type !== 'string') return undefined;
  const parts = named(node);
  if (parts.some((part) => part.type === 'interpolation')) return undefined;
  return parts
    .filter((part) => part.type === 'string_content' || part.type === 'escape_sequence')
    .map((part) => (part.type === 'escape_sequence' ? unescapeBicep(part.text) : part.text))
    .join('');
}

function unescapeBicep(sequence: string): string {
  const map: Record<string, string> = {
    "\\'": "'",
    '\\\\': '\\',
    '\\n': '\n',
    '\\r': '\r',
    '\\t': '\t',
    '\\$': '$',
  };
  return map[sequence] ?? sequence;
}

export interface Property {
  /** Key text: an identifier, or the value of a plain string key; undefined for interpolated keys. */
  readonly key: string | undefined;
  readonly keyNode: Node;
  readonly value: Node | undefined;
  readonly node: Node;
}

/** The properties of an object literal (nested `resource` declarations are left out). */
export function properties(object: Node | undefined): Property[] {
  if (object === undefined || object.type !== 'object') return [];
  return named(object)
    .filter((child) => child.type === 'object_property')
    .flatMap((property) => {
      const [keyNode, value] = named(property);
      if (keyNode === undefined || keyNode.type === 'resource_declaration') return [];
      const key = keyNode.type === 'string' ? stringValue(keyNode) : keyNode.text;
      return [{ key, keyNode, value, node: property }];
    });
}

export function property(object: Node | undefined, key: string): Node | undefined {
  return properties(object).find((p) => p.key === key)?.value;
}

/** Follows `a.b.c` through nested object literals. */
export function propertyPath(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const key of path.split('.')) current = property(current, key);
  return current;
}

/** The object a declaration assigns: unwraps `[for ...: body]` and `if (...) body`. */
export function unwrapBody(value: Node | undefined): Node | undefined {
  let current = value;
  while (current !== undefined && current.type !== 'object') {
    if (current.type === 'for_statement') current = current.childForFieldName('body') ?? undefined;
    else if (current.type === 'if_statement') current = named(current).find((c) => c.type === 'object');
    else return undefined;
  }
  return current;
}

/** The node after `=` in a declaration. */
function assignedValue(declaration: Node): Node | undefined {
  const children = declaration.children.filter((c): c is Node => c !== null);
  const equals = children.findIndex((c) => c.type === '=');
  return equals === -1 ? undefined : children.slice(equals + 1).find((c) => c.isNamed);
}

export interface ResourceDeclaration {
  readonly symbol: string;
  /** Full type; a nested child resource's type is prefixed with its parent's, e.g. `Microsoft.Storage/storageAccounts/blobServices`. */
  readonly type: string;
  readonly apiVersion: string | undefined;
  readonly existing: boolean;
  readonly body: Node | undefined;
  readonly node: Node;
}

export function resources(file: BicepFile): ResourceDeclaration[] {
  const found: ResourceDeclaration[] = [];
  const visit = (declaration: Node, parentType: string | undefined): void => {
    const parts = named(declaration);
    const symbol = parts.find((p) => p.type === 'identifier')?.text ?? '';
    const typeText = stringValue(parts.find((p) => p.type === 'string')) ?? '';
    const [ownType = '', apiVersion] = typeText.split('@');
    const type = parentType !== undefined && !ownType.includes('/') ? `${parentType}/${ownType}` : ownType;
    const existing = declaration.children.some((c) => c?.type === 'existing');
    const body = unwrapBody(assignedValue(declaration));
    found.push({ symbol, type, apiVersion, existing, body, node: declaration });
    for (const child of body === undefined ? [] : named(body)) {
      const nested = child.type === 'object_property' ? named(child)[0] : undefined;
      if (nested?.type === 'resource_declaration') visit(nested, type);
    }
  };
  for (const declaration of named(file.root).filter((n) => n.type === 'resource_declaration')) {
    visit(declaration, undefined);
  }
  return found;
}

export interface ModuleDeclaration {
  readonly symbol: string;
  readonly source: string;
  readonly body: Node | undefined;
  readonly node: Node;
}

export function modules(file: BicepFile): ModuleDeclaration[] {
  return named(file.root)
    .filter((n) => n.type === 'module_declaration')
    .map((node) => {
      const parts = named(node);
      return {
        symbol: parts.find((p) => p.type === 'identifier')?.text ?? '',
        source: stringValue(parts.find((p) => p.type === 'string')) ?? '',
        body: unwrapBody(assignedValue(node)),
        node,
      };
    });
}

export interface ParameterDeclaration {
  readonly name: string;
  /** Decorator function names: `description`, `secure`, `allowed`, ... (`sys.` prefix dropped). */
  readonly decorators: readonly string[];
  readonly decoratorNodes: readonly Node[];
  readonly defaultValue: Node | undefined;
  readonly node: Node;
}

export function parameters(file: BicepFile): ParameterDeclaration[] {
  return named(file.root)
    .filter((n) => n.type === 'parameter_declaration')
    .map((node) => {
      const previous = node.previousNamedSibling;
      const decoratorNodes =
        previous?.type === 'decorators' ? named(previous).filter((d) => d.type === 'decorator') : [];
      const decorators = decoratorNodes.map((d) => {
        const call = named(d)[0];
        const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : call;
        return (fn?.text ?? '').replace(/^sys\./, '');
      });
      return {
        name: named(node).find((p) => p.type === 'identifier')?.text ?? '',
        decorators,
        decoratorNodes,
        defaultValue: assignedValue(node),
        node,
      };
    });
}

/** Top-level `var` declarations by name (in a bicepparam file: the parameter assignments). */
export function variables(file: BicepFile): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const node of named(file.root).filter((n) => n.type === 'variable_declaration')) {
    const name = named(node).find((p) => p.type === 'identifier')?.text;
    const value = assignedValue(node);
    if (name !== undefined && value !== undefined) map.set(name, value);
  }
  return map;
}

export interface OutputDeclaration {
  readonly name: string;
  readonly value: Node | undefined;
  readonly node: Node;
}

export function outputs(file: BicepFile): OutputDeclaration[] {
  return named(file.root)
    .filter((n) => n.type === 'output_declaration')
    .map((node) => ({
      name: named(node).find((p) => p.type === 'identifier')?.text ?? '',
      value: assignedValue(node),
      node,
    }));
}

/** The `using '...'` target of a bicepparam file. */
export function usingTarget(file: BicepFile): string | undefined {
  const statement = named(file.root).find((n) => n.type === 'using_statement');
  return stringValue(statement === undefined ? undefined : named(statement).find((p) => p.type === 'string'));
}

/** The string values of an array literal, following a variable reference; undefined when not all are plain strings. */
export function stringArray(node: Node | undefined, file: BicepFile): string[] | undefined {
  const resolved = resolveVariable(node, file);
  if (resolved?.type !== 'array') return undefined;
  const values = named(resolved).map((item) => stringValue(item));
  return values.every((v): v is string => v !== undefined) ? values : undefined;
}

/** An identifier naming a top-level `var` resolves to the var's value; anything else is returned as is. */
export function resolveVariable(node: Node | undefined, file: BicepFile): Node | undefined {
  let current = node;
  const seen = new Set<string>();
  while (current?.type === 'identifier' && !seen.has(current.text)) {
    seen.add(current.text);
    const value = variables(file).get(current.text);
    if (value === undefined) return current;
    current = value;
  }
  return current;
}

/** Name of the function a call expression calls (`guid`, `sys.guid` → `guid`), else undefined. */
export function calledFunction(node: Node | undefined): string | undefined {
  if (node?.type !== 'call_expression') return undefined;
  return node.childForFieldName('function')?.text.replace(/^sys\./, '');
}

export function callArguments(node: Node): Node[] {
  const args = node.childForFieldName('arguments');
  return args === null ? [] : named(args);
}
