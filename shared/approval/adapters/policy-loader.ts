import {
  type DocumentSource,
  loadDocument,
  parseDocumentText,
  parseDocumentValue,
} from '../../config/document-loader';
import { compilePolicy, type Policy } from '../core/policy/policy';
import { policyCrossCheck, policySchema } from '../core/policy/policy-schema';

/**
 * Loads the approval policy from APPROVAL_POLICY (inline) or APPROVAL_POLICY_PATH. A bad policy
 * throws `policy_invalid` with every problem and its path; the callers decide nothing then.
 */
export async function loadPolicy(source: DocumentSource, baseDir: string): Promise<Policy> {
  const loaded = await loadDocument(source, policySchema, {
    settingName: source.kind === 'inline' ? 'APPROVAL_POLICY' : 'APPROVAL_POLICY_PATH',
    baseDir,
    code: 'policy_invalid',
    crossCheck: policyCrossCheck,
  });
  return compilePolicy(loaded.value);
}

/** Parses policy text directly (tests, and the evaluate-a-draft API of the manual approval routes). */
export function parsePolicy(text: string, origin = 'policy'): Policy {
  return compilePolicy(parseDocumentText(text, policySchema, origin, 'policy_invalid', policyCrossCheck));
}

/** parsePolicy for a document already read from its text (readDocumentText), so a draft's text is parsed once. */
export function policyFromValue(raw: unknown, origin: string): Policy {
  return compilePolicy(parseDocumentValue(raw, policySchema, origin, 'policy_invalid', policyCrossCheck));
}
