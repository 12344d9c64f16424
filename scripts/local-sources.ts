/*
 * Which approval policy and probe targets `npm run local` uses, and why. The user's own files and
 * settings win over the samples and the lab's generated targets, and startup says which is in use,
 * so a policy being edited is never silently replaced by the sample. Pure apart from `exists`.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface SourceChoice {
  /** Settings to add (or, with `undefined`, to remove) before the local defaults are applied. */
  readonly overrides: Readonly<Record<string, string | undefined>>;
  /** One line per document: what is used and where it came from. */
  readonly lines: readonly string[];
}

const set = (env: Env, name: string) => {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
};

/**
 * @param user     the user's own settings (process environment and local.settings.json)
 * @param provided what the started services (the lab) provide
 * @param exists   whether a path relative to the app root exists
 */
export function chooseSources(user: Env, provided: Env, exists: (path: string) => boolean): SourceChoice {
  const overrides: Record<string, string | undefined> = {};
  const lines: string[] = [];

  if (set(user, 'APPROVAL_POLICY')) lines.push('policy: app setting APPROVAL_POLICY (yours)');
  else if (set(user, 'APPROVAL_POLICY_PATH'))
    lines.push(`policy: ${user.APPROVAL_POLICY_PATH} (APPROVAL_POLICY_PATH, yours)`);
  // A scenario that names its policy means it (the lab's own stories); otherwise the user's file wins.
  else if (set(provided, 'APPROVAL_POLICY_PATH'))
    lines.push(`policy: ${provided.APPROVAL_POLICY_PATH} (named by the lab scenario)`);
  else if (exists('approval-policy.yaml')) {
    overrides.APPROVAL_POLICY_PATH = 'approval-policy.yaml';
    lines.push('policy: approval-policy.yaml (your file)');
  } else
    lines.push(
      'policy: approval-policy.sample.yaml (the sample; copy it to approval-policy.yaml to use your own)',
    );

  if (set(user, 'PROBE_TARGETS')) lines.push('probe targets: app setting PROBE_TARGETS (yours)');
  else if (set(user, 'PROBE_TARGETS_PATH')) {
    // The lab's generated targets are inline, and inline wins in the app: drop them so the file is used.
    if (set(provided, 'PROBE_TARGETS')) overrides.PROBE_TARGETS = undefined;
    lines.push(`probe targets: ${user.PROBE_TARGETS_PATH} (PROBE_TARGETS_PATH, yours)`);
  } else if (set(provided, 'PROBE_TARGETS'))
    lines.push(
      "probe targets: the lab's private endpoints (set PROBE_TARGETS_PATH to probe your own file instead)",
    );
  else if (exists('probe-targets.yaml')) {
    overrides.PROBE_TARGETS_PATH = 'probe-targets.yaml';
    lines.push('probe targets: probe-targets.yaml (your file)');
  } else
    lines.push(
      'probe targets: probe-targets.sample.yaml (the sample; copy it to probe-targets.yaml to use your own)',
    );
  return { overrides, lines };
}

/** Applies the choice: an override of `undefined` removes the setting. */
export function applySources(env: Env, choice: SourceChoice): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(choice.overrides)) {
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out;
}
