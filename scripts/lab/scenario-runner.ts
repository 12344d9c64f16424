/*
 * Plays the scenario's timeline against the running lab: consumers create their private endpoints
 * through ARM at their time, faults switch on and off, and scripted people approve or reject through
 * the product's API. Times are seconds after the host is ready.
 */
import type { ArmEmulator } from '../../emulators/arm/arm-emulator';
import type { Fault } from '../../emulators/arm/faults';
import type { IisStandIn } from '../../emulators/iis/iis-stand-in';
import { isAppError } from '../../shared/errors';
import { createConsumerEndpoint } from './consumer-endpoint';
import type { Say } from './narrative';
import {
  plsIdOf,
  privateEndpointIdOf,
  type Scenario,
  type ScenarioConsumer,
  type ScenarioFault,
  targetPls,
} from './scenario';

export interface ScenarioRun {
  /** Resolves when every scheduled step has run (or the run was stopped). */
  readonly done: Promise<void>;
  /** Endpoints created so far, by consumer endpoint name. */
  readonly created: ReadonlyMap<string, { readonly id: string; readonly connectionName: string | undefined }>;
  stop(): Promise<void>;
}

export interface ScenarioRunOptions {
  readonly scenario: Scenario;
  readonly emulator: ArmEmulator;
  readonly iis: IisStandIn | undefined;
  /** The local host's base URL (people act through its API). */
  readonly baseUrl: string;
  readonly say: Say;
}

interface Step {
  readonly atSeconds: number;
  run(): Promise<void>;
}

export function startScenario(options: ScenarioRunOptions): ScenarioRun {
  const { scenario, emulator, say } = options;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const created = new Map<string, { id: string; connectionName: string | undefined }>();
  const activeThrottles = new Set<Extract<ScenarioFault, { kind: 'armThrottling' }>>();
  let stopped = false;

  const applyThrottles = () => {
    emulator.faults.clear();
    for (const t of activeThrottles) {
      const fault: Fault = { type: 'status', status: 429, retryAfterSeconds: t.retryAfterSeconds };
      emulator.faults.rate({ kind: t.routes }, t.rate, [fault]);
    }
  };

  const connect = async (consumer: ScenarioConsumer) => {
    const pls = targetPls(scenario, consumer);
    const target =
      consumer.privateLinkService.toLowerCase() === pls.alias?.toLowerCase()
        ? consumer.privateLinkService
        : plsIdOf(scenario, pls);
    const tenant =
      consumer.tenantId === undefined
        ? 'a tenant ARM does not reveal'
        : `tenant ${consumer.tenantId.slice(0, 8)}…`;
    say(
      `${consumer.label}, ${tenant}, creates ${consumer.endpoint} → ${pls.name}: "${consumer.requestMessage}"`,
    );
    try {
      const endpoint = await createConsumerEndpoint({
        armEndpoint: new URL(emulator.url),
        subscriptionId: consumer.subscriptionId,
        resourceGroup: consumer.resourceGroup,
        name: consumer.endpoint,
        location: consumer.location,
        target,
        requestMessage: consumer.requestMessage,
      });
      const record = emulator.world.privateEndpoint(endpoint.id);
      created.set(consumer.endpoint.toLowerCase(), {
        id: endpoint.id,
        connectionName: record?.plsConnectionName,
      });
      const expectation =
        consumer.expect === undefined
          ? ''
          : consumer.expect === 'manual'
            ? '; the policy should leave it to a person'
            : `; the policy should ${consumer.expect} it`;
      say(
        `${consumer.endpoint}: private IP ${endpoint.privateIp ?? '(none)'}, connection ${endpoint.status}${expectation}`,
      );
    } catch (error) {
      say(
        `${consumer.endpoint}: ARM refused the endpoint: ${isAppError(error) ? error.message : (error as Error).message}`,
      );
    }
  };

  const steps: Step[] = [];
  for (const consumer of scenario.consumers) {
    steps.push({ atSeconds: consumer.connectAfterSeconds, run: () => connect(consumer) });
  }
  for (const fault of scenario.faults) {
    if (fault.kind === 'armThrottling') {
      let startedAt = 0;
      steps.push({
        atSeconds: fault.startSeconds,
        run: async () => {
          startedAt = Date.now();
          activeThrottles.add(fault);
          applyThrottles();
          say(
            `FAULT ARM throttling on for ${fault.durationSeconds}s: ${Math.round(fault.rate * 100)}% of ${fault.routes.join(', ')} answer 429 (Retry-After ${fault.retryAfterSeconds}s)`,
          );
        },
      });
      steps.push({
        atSeconds: fault.startSeconds + fault.durationSeconds,
        run: async () => {
          activeThrottles.delete(fault);
          applyThrottles();
          const window = emulator.requestLog.entries.filter((e) => e.at >= startedAt);
          const throttled = window.filter((e) => e.fault === 'status:429').length;
          say(
            `FAULT ARM throttling off: ${throttled} of ${window.length} ARM requests were throttled and retried by the gateway`,
          );
        },
      });
    } else {
      steps.push({
        atSeconds: fault.startSeconds,
        run: async () => {
          await options.iis?.setMode(fault.mode);
          say(
            `FAULT backend ${fault.mode === 'down' ? 'stopped (IIS refuses connections)' : 'failing (HTTP 503 from HTTP.sys)'} for ${fault.durationSeconds}s`,
          );
        },
      });
      steps.push({
        atSeconds: fault.startSeconds + fault.durationSeconds,
        run: async () => {
          await options.iis?.setMode('up');
          say('FAULT backend back up');
        },
      });
    }
  }
  for (const person of scenario.people) {
    steps.push({
      atSeconds: person.atSeconds,
      run: async () => {
        const consumer = scenario.consumers.find(
          (c) => c.endpoint.toLowerCase() === person.endpoint.toLowerCase(),
        );
        const connectionName =
          consumer === undefined
            ? undefined
            : emulator.world.privateEndpoint(privateEndpointIdOf(consumer))?.plsConnectionName;
        if (consumer === undefined || connectionName === undefined) {
          say(`a person wanted to ${person.kind} ${person.endpoint}, but it has no connection`);
          return;
        }
        const pls = targetPls(scenario, consumer);
        const until =
          person.untilSeconds === undefined
            ? undefined
            : new Date(Date.now() + person.untilSeconds * 1000).toISOString();
        say(
          `${person.as?.name ?? 'a person'} ${person.kind === 'approve' ? 'approves' : 'rejects'} ${person.endpoint} through the API${until === undefined ? '' : ` until ${until}`}: "${person.reason}"`,
        );
        const response = await fetch(
          `${options.baseUrl}/api/connections/${encodeURIComponent(pls.name)}/${encodeURIComponent(connectionName)}/${person.kind}`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(person.as === undefined ? {} : { 'x-ms-client-principal': devPrincipalHeader(person.as) }),
            },
            body: JSON.stringify({ reason: person.reason, ...(until === undefined ? {} : { until }) }),
          },
        );
        if (!response.ok)
          say(`the API answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        else {
          const answer = (await response.json().catch(() => ({}))) as {
            outcome?: string;
            approvals?: { text?: string };
          };
          if (answer.outcome === 'first-approval')
            say(
              `${person.endpoint}: first approval recorded (${answer.approvals?.text ?? '1 of 2'}), nothing written to ARM`,
            );
        }
      },
    });
  }

  const last = Math.max(0, ...steps.map((s) => s.atSeconds));
  const done = new Promise<void>((resolve) => {
    let remaining = steps.length;
    if (remaining === 0) resolve();
    for (const step of steps) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        const run = (stopped ? Promise.resolve() : step.run()).catch((error: unknown) => {
          say(`a scenario step failed: ${(error as Error).message}`);
        });
        running.add(run);
        void run.finally(() => {
          running.delete(run);
          remaining -= 1;
          if (remaining === 0) resolve();
        });
      }, step.atSeconds * 1000);
      timers.add(timer);
    }
  });
  if (steps.length > 0) say(`scenario "${scenario.name}": ${steps.length} steps over ${last}s`);

  return {
    done,
    created,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}

/**
 * The `x-ms-client-principal` header of a scripted person. The lab's host runs AUTH_MODE=dev, which
 * honours a given principal on loopback only (shared/auth/principal.ts), so two people can act.
 */
function devPrincipalHeader(person: { readonly name: string; readonly objectId: string }): string {
  const principal = {
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'roles',
    claims: [
      { typ: 'name', val: person.name },
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: person.objectId },
      { typ: 'roles', val: 'Gatekeeper.Approver' },
      { typ: 'roles', val: 'Gatekeeper.Reader' },
    ],
  };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}
