/**
 * Description templates: the text written to a connection when a rule decides it. ARM accepts at
 * most 140 characters and we never truncate (a cut-off reason is a wrong reason), so a template
 * whose longest possible rendering exceeds the limit is refused when the policy loads, and a
 * rendering that still exceeds it at decision time (a name longer than ARM's own rules allow) is
 * an error the decision path turns into "leave for a person".
 */
export const MAX_DESCRIPTION_LENGTH = 140;

/** Each placeholder with the longest value it can take (ARM naming limits), used for the load-time check. */
export const PLACEHOLDERS = {
  /** The rule's name (`default` for the default action); rule names are at most 48 characters. */
  rule: 48,
  /** `approve` or `reject`. */
  action: 7,
  /** The consumer subscription id (`unknown` when the endpoint id does not carry one). */
  subscription: 36,
  /** The consumer tenant id, or `unknown`. */
  tenant: 36,
  /** The Private Link Service's name (ARM: at most 80 characters). */
  pls: 80,
  /** The consumer's private endpoint name (ARM: at most 80 characters). */
  endpoint: 80,
  /** The decision date, UTC, `YYYY-MM-DD`. */
  date: 10,
  /** The policy version (short hash). */
  policyVersion: 12,
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;
export type TemplateValues = Readonly<Record<Placeholder, string>>;

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export interface TemplateCheck {
  readonly unknown: readonly string[];
  readonly maxLength: number;
}

/** Unknown placeholders and the longest possible rendering of a template. */
export function checkTemplate(template: string): TemplateCheck {
  const unknown: string[] = [];
  let maxLength = template.length;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    const whole = match[0];
    if (!(name in PLACEHOLDERS)) {
      unknown.push(name);
      continue;
    }
    maxLength += PLACEHOLDERS[name as Placeholder] - whole.length;
  }
  return { unknown, maxLength };
}

export type RenderResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly length: number };

/** Renders without ever truncating: an over-long result is reported, not shortened. */
export function renderTemplate(template: string, values: TemplateValues): RenderResult {
  const text = template.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? values[name as Placeholder] : whole,
  );
  return text.length <= MAX_DESCRIPTION_LENGTH ? { ok: true, text } : { ok: false, length: text.length };
}
