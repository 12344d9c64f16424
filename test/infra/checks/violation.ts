import type { Node } from 'web-tree-sitter';
import { type BicepFile, lineOf } from '../../helpers/bicep';

/** One broken rule at one place; every infra check returns a list of these (empty = passes). */
export interface Violation {
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export type Check = (files: readonly BicepFile[]) => Violation[];

export function violation(rule: string, file: BicepFile, node: Node | undefined, message: string): Violation {
  return { rule, file: file.path, line: node === undefined ? 1 : lineOf(node), message };
}

/** One line per violation, for assertion messages that say exactly what to fix. */
export function describe(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} [${v.rule}] ${v.message}`).join('\n');
}
