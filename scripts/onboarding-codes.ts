/*
 * `npm run codes -- <command>`: onboarding codes from a script, through the app's API (the same
 * routes, roles and write guard as any caller). Commands:
 *
 *   issue  --customer <name> (--days <n> | --expires-at <ISO>) [--pls <name|id>] [--max <n>]
 *   list
 *   revoke <id>
 *
 * Where: --url <base, e.g. https://func-x.azurewebsites.net/api> (default: the running local lab's,
 * else http://127.0.0.1:7071/api). Credentials from the environment, never from arguments (shell
 * history): GATEKEEPER_TOKEN (an Entra access token for the app, `az account get-access-token
 * --resource <app id>`) and GATEKEEPER_FUNCTION_KEY (the function key, `x-functions-key`).
 * The issued code is printed once, on its own line, for the script to hand to the customer.
 */
import { parseArgs } from 'node:util';
import { labStatePath, readLabState } from './lab/lab-state';

const USAGE = `usage: npm run codes -- issue --customer <name> (--days <n> | --expires-at <ISO 8601>) [--pls <name|id>] [--max <n>] [--url <api base>]
       npm run codes -- list [--url <api base>]
       npm run codes -- revoke <id> [--url <api base>]
env:   GATEKEEPER_TOKEN (bearer token for the app), GATEKEEPER_FUNCTION_KEY (x-functions-key)`;

export interface CodesCommandResult {
  readonly exitCode: number;
  readonly out: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Runs one command against the API; returns what to print and the exit code (0 ok, 1 refused, 2 usage). */
export async function runCodesCommand(
  argv: readonly string[],
  env: Env,
  defaultUrl: string,
  fetchImpl: typeof fetch = fetch,
): Promise<CodesCommandResult> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { exitCode: 2, out: `error: ${(error as Error).message}\n\n${USAGE}` };
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const base = (values.url ?? defaultUrl).replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (env.GATEKEEPER_TOKEN) headers.authorization = `Bearer ${env.GATEKEEPER_TOKEN}`;
  if (env.GATEKEEPER_FUNCTION_KEY) headers['x-functions-key'] = env.GATEKEEPER_FUNCTION_KEY;

  let request: { method: 'GET' | 'POST'; path: string; body?: unknown };
  if (command === 'issue' && rest.length === 0) {
    if (values.customer === undefined) return usage('issue needs --customer');
    request = {
      method: 'POST',
      path: 'onboarding/codes',
      body: {
        customer: values.customer,
        ...(values.pls !== undefined ? { pls: values.pls } : {}),
        // Numbers stay strings when they are not numbers: the API names the field that is wrong.
        ...(values.days !== undefined ? { days: numberOrText(values.days) } : {}),
        ...(values['expires-at'] !== undefined ? { expiresAt: values['expires-at'] } : {}),
        ...(values.max !== undefined ? { maxConnections: numberOrText(values.max) } : {}),
      },
    };
  } else if (command === 'list' && rest.length === 0) {
    request = { method: 'GET', path: 'onboarding/codes' };
  } else if (command === 'revoke' && rest.length === 1) {
    request = {
      method: 'POST',
      path: `onboarding/codes/${encodeURIComponent(rest[0] as string)}/revoke`,
      body: {},
    };
  } else {
    return usage(
      command === undefined ? 'no command' : `unknown command or arguments: ${positionals.join(' ')}`,
    );
  }

  const response = await fetchImpl(`${base}/${request.path}`, {
    method: request.method,
    headers: request.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const text = await response.text();
  if (!response.ok) return { exitCode: 1, out: `error: HTTP ${response.status}\n${text}` };
  if (command === 'issue') {
    const issued = JSON.parse(text) as { id: string; code: string; customer: string; expiresAt: string };
    return {
      exitCode: 0,
      out: `${issued.code}\n# id ${issued.id}, customer ${issued.customer}, expires ${issued.expiresAt}; the code is shown once`,
    };
  }
  return { exitCode: 0, out: JSON.stringify(JSON.parse(text), null, 2) };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      customer: { type: 'string' },
      pls: { type: 'string' },
      days: { type: 'string' },
      'expires-at': { type: 'string' },
      max: { type: 'string' },
    },
  });
}

function usage(problem: string): CodesCommandResult {
  return { exitCode: 2, out: `error: ${problem}\n\n${USAGE}` };
}

function numberOrText(value: string): number | string {
  return /^\d{1,6}$/.test(value) ? Number(value) : value;
}

/** The running lab's API base (its state file), else the local host's default. */
function localDefaultUrl(): string {
  const state = readLabState(labStatePath(process.cwd()));
  return state === undefined ? 'http://127.0.0.1:7071/api' : `${state.baseUrl.replace(/\/+$/, '')}/api`;
}

if (require.main === module) {
  runCodesCommand(process.argv.slice(2), process.env, localDefaultUrl()).then(
    (result) => {
      (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.out}\n`);
      process.exitCode = result.exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
