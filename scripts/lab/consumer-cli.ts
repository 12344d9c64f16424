/* `npm run lab:consumer`: a consumer creating a private endpoint against the running lab. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { localArmCredential } from '../../emulators/arm/local-service';
import { createNetworkClient } from '../../shared/arm/arm-network-gateway';
import { formatIssues, isAppError } from '../../shared/errors';
import { CONSUMER_USAGE, type ConsumerArgs, parseConsumerArgs } from './consumer-args';
import { createConsumerEndpoint } from './consumer-endpoint';
import { type LabState, labStatePath, readLabState } from './lab-state';

/** The repository root: dist/scripts/lab/consumer-cli.js lives three levels below it. */
const APP_ROOT = resolve(__dirname, '..', '..', '..');

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseConsumerArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${CONSUMER_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    process.stderr.write(`error: invalid arguments:\n${formatIssues(parsed.issues)}\n\n${CONSUMER_USAGE}\n`);
    return 2;
  }
  const args = parsed.args;
  const statePath = labStatePath(APP_ROOT);
  const state = readLabState(statePath);
  const arm = args.arm ?? state?.armEndpoint;
  if (arm === undefined) {
    throw new UsageError(
      `no running lab found (${statePath}): start one with \`npm run local\`, or pass --arm http://127.0.0.1:<port> (the ARM emulator's URL)`,
    );
  }
  const target = resolveTarget(args, state);
  const name = args.name ?? `pe-cli-${randomBytes(2).toString('hex')}`;
  const armEndpoint = new URL(arm);
  if (args.tenant !== undefined) await declareTenant(armEndpoint, args.subscription, args.tenant);

  const endpoint = await createConsumerEndpoint({
    armEndpoint,
    subscriptionId: args.subscription,
    resourceGroup: args['resource-group'],
    name,
    location: args.location,
    target,
    requestMessage: args.message,
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`private endpoint  ${endpoint.id}`);
  const browse = state?.endpoints[endpoint.id] ?? urlOf(endpoint.privateIp, state);
  out(
    `private IP        ${endpoint.privateIp ?? '(none: the emulator runs without a data path)'}${browse === undefined ? '' : `  (browse ${browse})`}`,
  );
  let status = endpoint.status;
  let description = endpoint.description;
  if (args.wait > 0 && status === 'Pending') {
    const client = await createNetworkClient(args.subscription, {
      endpoint: armEndpoint,
      scope: 'https://management.azure.com/.default',
      credential: localArmCredential,
    });
    const deadline = Date.now() + args.wait * 1000;
    while (status === 'Pending' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const current = await client.privateEndpoints.get(args['resource-group'], name);
      const state = (
        current.manualPrivateLinkServiceConnections?.[0] ?? current.privateLinkServiceConnections?.[0]
      )?.privateLinkServiceConnectionState;
      status = state?.status ?? status;
      description = state?.description ?? description;
    }
  }
  out(`connection        ${status}${description === '' ? '' : ` ("${description}")`}`);
  if (status === 'Pending') {
    out(
      `The provider's policy decides it at the next reconciliation${state === undefined ? '' : `; watch ${state.dashboardUrl}`}${args.wait > 0 ? '' : ' (add --wait 30 to wait here)'}.`,
    );
  }
  return 0;
}

/** A name or alias of the lab's services, or any id/alias ARM should judge itself. */
function resolveTarget(args: ConsumerArgs, state: LabState | undefined): string {
  const services = state?.privateLinkServices ?? [];
  if (args.pls === undefined) {
    const first = services[0];
    if (first === undefined)
      throw new UsageError(
        '--pls: required when the running lab is not found (a Private Link Service id or alias)',
      );
    return first.alias;
  }
  const wanted = args.pls.toLowerCase();
  const known = services.find(
    (s) =>
      s.name.toLowerCase() === wanted || s.alias.toLowerCase() === wanted || s.id.toLowerCase() === wanted,
  );
  if (known !== undefined) return known.alias;
  if (args.pls.startsWith('/subscriptions/') || args.pls.includes('.azure.privatelinkservice'))
    return args.pls;
  throw new UsageError(
    `--pls: no Private Link Service named "${args.pls}" in the running lab; expected one of ${services.map((s) => s.name).join(', ') || '(none)'}, an alias or a resource id`,
  );
}

function urlOf(ip: string | undefined, state: LabState | undefined): string | undefined {
  if (ip === undefined || state?.dataPath.port === null || state?.dataPath.port === undefined)
    return undefined;
  return `http://${ip}:${state.dataPath.port}/`;
}

async function declareTenant(arm: URL, subscriptionId: string, tenantId: string): Promise<void> {
  const token = (await localArmCredential.getToken('https://management.azure.com/.default'))?.token ?? '';
  const response = await fetch(new URL(`/emulator/subscriptions/${subscriptionId}`, arm), {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId }),
  });
  if (!response.ok)
    throw new UsageError(`--tenant: the emulator refused it (${response.status} ${await response.text()})`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`error: ${error.message}\n`);
    else if (isAppError(error))
      process.stderr.write(
        `error: ${error.message}${error.upstreamCode === undefined ? '' : ` (ARM: ${error.upstreamCode})`}\n`,
      );
    else if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED')
      process.stderr.write(
        'error: the ARM emulator does not answer: is `npm run local` still running? (or check --arm)\n',
      );
    else process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
