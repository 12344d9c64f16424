import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { zodIssues } from '../../shared/config/schema-issues';
import { formatIssues } from '../../shared/errors';

export type LocalEnv = Readonly<Record<string, string | undefined>>;

/** Settings the local host supplies when nothing else did: a developer on one machine, with the sample documents. */
export const LOCAL_DEFAULTS: Readonly<Record<string, string>> = {
  AUTH_MODE: 'dev',
  APPROVAL_POLICY_PATH: 'approval-policy.sample.yaml',
  PROBE_TARGETS_PATH: 'probe-targets.sample.yaml',
};

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i;

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
    )
    .optional(),
  Host: z.looseObject({ LocalHttpPort: z.coerce.number().int().min(1).max(65_535).optional() }).optional(),
  ConnectionStrings: z.record(z.string(), z.string()).optional(),
});

export interface LocalSettings {
  readonly values: Record<string, string>;
  readonly localHttpPort: number | undefined;
}

/** Reads local.settings.json the way `func start` does; undefined when the file does not exist. */
export function readLocalSettings(path: string): LocalSettings | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = localSettingsSchema.safeParse(json);
  if (!result.success) throw new Error(`${path} has problems:\n${formatIssues(zodIssues(result.error))}`);
  if (result.data.IsEncrypted === true)
    throw new Error(`${path} is encrypted (IsEncrypted: true); the local host reads plain values only.`);
  return { values: result.data.Values ?? {}, localHttpPort: result.data.Host?.LocalHttpPort };
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** The process environment wins over local.settings.json, as with `func start`: values only fill what is unset. */
export function baseEnv(processEnv: LocalEnv, values: Readonly<Record<string, string>> = {}): LocalEnv {
  const env: Record<string, string | undefined> = { ...processEnv };
  for (const [name, value] of Object.entries(values)) if (!isSet(env[name])) env[name] = value;
  return env;
}

/**
 * Adds what a started service provides, without overriding the user's own settings. The one
 * exception: `UseDevelopmentStorage=true` means "the local storage emulator", which is the Azurite
 * the host just started (on free ports, not the fixed 10000-10002 that string implies).
 */
export function withServiceEnv(env: LocalEnv, provided: Readonly<Record<string, string>>): LocalEnv {
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(provided)) {
    const current = out[name];
    const developmentStorage =
      name === 'AzureWebJobsStorage' && current !== undefined && DEVELOPMENT_STORAGE.test(current);
    if (!isSet(current) || developmentStorage) out[name] = value;
  }
  return out;
}

export function withLocalDefaults(env: LocalEnv): LocalEnv {
  return withServiceEnv(env, LOCAL_DEFAULTS);
}

/** Only strings: what is unset stays out, so the result can be assigned to process.env as it is. */
export function definedOnly(env: LocalEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}
