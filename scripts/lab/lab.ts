/*
 * The local lab: the whole Private Link story on one machine. Before the host starts it runs the ARM
 * emulator (filled from the scenario), the IIS stand-in as every PLS's backend, and the data path that
 * gives each private endpoint a loopback "private IP"; it provides the settings that point the app at
 * them (ARM_ENDPOINT, PLS_RESOURCE_IDS, PROBE_TARGETS for every endpoint, short schedules). Once the
 * host serves, it starts the Event Grid bridge, plays the scenario's timeline and tells the story.
 * Notifications go to a local webhook sink and availability results to a local stand-in for the
 * Application Insights ingestion endpoint; the narrative tells both. A stand-in customer system
 * (lab/customers.yaml) answers the policy's entitlement checks, with a signing key made up per run.
 *
 * Settings the lab provides fill only what is unset (the user's environment and local.settings.json
 * win), like every local service. With ARM_ENDPOINT set, the lab stands aside: there is no emulator to
 * play the scenario against.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, relative, resolve } from 'node:path';
import { type ArmEmulator, startArmEmulator } from '../../emulators/arm/arm-emulator';
import { type DataPath, startDataPath } from '../../emulators/arm/data-path';
import {
  type EventGridBridge,
  LAB_PROVIDER_APP_ID,
  startEventGridBridge,
} from '../../emulators/event-grid-bridge';
import {
  IIS_STAND_IN_DEFAULT_PORT,
  type IisStandIn,
  startIisStandIn,
} from '../../emulators/iis/iis-stand-in';
import { type ProxyV2Backend, startProxyV2Backend } from '../../emulators/proxy-v2/proxy-v2-backend';
import {
  type CustomerSystem,
  DEFAULT_CUSTOMERS,
  loadCustomerTable,
  startCustomerSystem,
} from './customer-system';
import { type IngestionStandIn, startIngestionStandIn } from './ingestion-stand-in';
import { labReaders } from './lab-readers';
import { labStatePath, removeLabState, writeLabState } from './lab-state';
import { probeTargetsOf, seedOf } from './lab-world';
import {
  describeAvailability,
  type Say,
  storyOrder,
  type Watcher,
  watchAvailability,
  watchDecisions,
  watchProbes,
  watchProblems,
} from './narrative';
import { type NotifySink, startNotifySink } from './notify-sink';
import { trustForThisProcess } from './process-trust';
import { loadScenario, plsIdOf, privateEndpointIdOf, type Scenario } from './scenario';
import { type ScenarioRun, startScenario } from './scenario-runner';

export const DEFAULT_SCENARIO = 'lab/default-scenario.yaml';

export interface LabOptions {
  readonly appRoot: string;
  /** Scenario file, relative to appRoot (default lab/default-scenario.yaml). */
  readonly scenarioPath?: string;
  /** Where the narrative goes (nothing in quiet mode). */
  readonly say: Say;
  /** The local host's dashboard (undefined while its port is not known yet, `--port 0`): DASHBOARD_URL for the app. */
  readonly dashboardUrl?: string;
}

export interface LabStarted {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
  readonly describe: string;
}

export interface Lab {
  readonly name: 'lab';
  /** LocalService.start: emulators, data path and the settings for the app. */
  start(env: Readonly<Record<string, string | undefined>>): Promise<LabStarted>;
  /** True once started with the emulator (false when ARM_ENDPOINT pointed elsewhere). */
  readonly active: boolean;
  /** Starts the bridge, the timeline, the narrative and the state file, once the host serves at baseUrl. */
  afterHostReady(baseUrl: string): Promise<void>;
  /** Stops what afterHostReady started (start's own stop ends the emulators). */
  stopRun(): Promise<void>;
}

export function createLab(options: LabOptions): Lab {
  const scenarioPath = options.scenarioPath ?? DEFAULT_SCENARIO;
  const absoluteScenario = isAbsolute(scenarioPath) ? scenarioPath : resolve(options.appRoot, scenarioPath);
  const statePath = labStatePath(options.appRoot);
  let scenario: Scenario | undefined;
  let emulator: ArmEmulator | undefined;
  let iis: IisStandIn | undefined;
  let proxyV2: ProxyV2Backend | undefined;
  let dataPath: DataPath | undefined;
  let sink: NotifySink | undefined;
  let customers: CustomerSystem | undefined;
  let ingestion: IngestionStandIn | undefined;
  let bridge: EventGridBridge | undefined;
  /** The app's identity as the lab's events name it (claims `appid` of our own writes). */
  let appClientId = LAB_PROVIDER_APP_ID;
  let run: ScenarioRun | undefined;
  let watchers: Watcher[] = [];
  // Notification lines follow the probe change they belong to (the sink may hear of it first).
  const order = storyOrder(options.say);
  let unsubscribe: (() => void) | undefined;

  const lab: Lab = {
    name: 'lab',
    get active() {
      return emulator !== undefined;
    },
    async start(env) {
      const external = env.ARM_ENDPOINT?.trim();
      if (external !== undefined && external !== '') {
        return {
          env: {},
          stop: async () => undefined,
          describe: `lab: off (ARM_ENDPOINT is set to ${external}; the scenario needs the ARM emulator)`,
        };
      }
      scenario = await loadScenario(absoluteScenario, options.appRoot);
      // The user's own AZURE_CLIENT_ID wins (as for every setting); the bridge then names our writes by it.
      appClientId = env.AZURE_CLIENT_ID?.trim() || LAB_PROVIDER_APP_ID;
      const started: { stop(): Promise<void> }[] = [];
      const stopStarted = async () => {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      };
      try {
        emulator = await startArmEmulator({ seed: seedOf(scenario), lroRetryAfterSeconds: 1 });
        started.push(emulator);
        // The PROXY v2 stand-in is the proxy a provider puts in front of IIS: IIS is behind it too.
        const needsIis = scenario.provider.privateLinkServices.some(
          (p) => p.backend === 'iis' || p.backend === 'proxy-v2',
        );
        if (needsIis) {
          iis = await startIisOnPreferredPort();
          started.push(iis);
        }
        if (scenario.provider.privateLinkServices.some((p) => p.backend === 'proxy-v2')) {
          const say = options.say;
          // The probe connects every few seconds: each link id is told once (and again if its lookup changes).
          const told = new Set<string>();
          proxyV2 = await startProxyV2Backend({
            ...(iis === undefined ? {} : { upstream: iis.url }),
            log: (line) => {
              const entry = JSON.parse(line) as Record<string, unknown>;
              const consumer = entry.consumer as Record<string, unknown> | null | undefined;
              const key = `${String(entry.event)}|${String(entry.linkId)}|${String(entry.lookupStatus)}|${String(consumer?.status)}`;
              if (told.has(key)) return;
              told.add(key);
              say(
                entry.event === 'proxy_v2.refused'
                  ? `PROXY v2 backend: refused a connection (${String(entry.reason)})`
                  : `PROXY v2 backend: link id ${String(entry.linkId)} from ${String(entry.source)} is ${consumer ? `${String(consumer.connection)} (subscription ${String(consumer.consumerSubscriptionId)}, ${String(consumer.status)})` : `unknown to the app (links route answered ${String(entry.lookupStatus)})`}`,
              );
            },
          });
          started.push(proxyV2);
        }
        const backends: Record<string, string> = {};
        for (const pls of scenario.provider.privateLinkServices) {
          const url =
            pls.backend === 'iis' ? iis?.url : pls.backend === 'proxy-v2' ? proxyV2?.url : pls.backend;
          if (url !== undefined) backends[plsIdOf(scenario, pls)] = url;
        }
        dataPath = await startDataPath({ emulator, backends });
        started.push(dataPath);
        sink = await startNotifySink((line, after) =>
          after === undefined ? options.say(line) : order.sayAfter(after.target, after.state, after.at, line),
        );
        started.push(sink);
        // The user's own entitlement settings win; with neither set, the lab's customer system answers.
        if ((env.ENTITLEMENT_URL ?? '').trim() === '' && (env.ENTITLEMENT_SIGNING_KEY ?? '').trim() === '') {
          customers = await startCustomerSystem(
            await loadCustomerTable(DEFAULT_CUSTOMERS, options.appRoot),
            options.say,
          );
          started.push(customers);
        }
        // A connection string of the user's own sends to the real service; the stand-in is for the rest.
        let availabilityOff: string | undefined;
        if ((env.APPLICATIONINSIGHTS_CONNECTION_STRING ?? '').trim() === '') {
          const standIn = await startIngestionStandIn();
          started.push({
            stop: async () => {
              await standIn.stop();
              ingestion = undefined;
            },
          });
          // The package's exporter speaks https only and nothing is injected into it: this process
          // trusts the stand-in's own CA, besides the public ones, before the first TLS connection.
          const trusted = trustForThisProcess(standIn.ca);
          if (trusted.ok) ingestion = standIn;
          else availabilityOff = trusted.reason;
        }
        const current = scenario;
        const addresses = new Map(
          await Promise.all(
            current.consumers.map(async (c) => {
              const address = await (dataPath as DataPath).reserve(privateEndpointIdOf(c));
              return [privateEndpointIdOf(c), address] as const;
            }),
          ),
        );
        const targets = probeTargetsOf(current, (peId) => {
          const address = addresses.get(peId);
          if (address === undefined) throw new Error(`no address reserved for ${peId}`);
          return address;
        });
        const provided: Record<string, string> = {
          ARM_ENDPOINT: emulator.url,
          PLS_RESOURCE_IDS: current.provider.privateLinkServices.map((p) => plsIdOf(current, p)).join(','),
          // The app's identity: its own writes come back as events with this appid and are recognised
          // as echoes (with a loopback ARM_ENDPOINT no credential uses it).
          AZURE_CLIENT_ID: appClientId,
          PROBE_TARGETS: JSON.stringify(targets),
          RECONCILE_SCHEDULE: current.schedules.reconcile,
          PROBE_SCHEDULE: current.schedules.probe,
          // Notifications go to the lab's sink (one endpoint per kind); the sweeper runs often.
          NOTIFY_WEBHOOKS: sink.webhooks,
          // Signs the lab's onboarding codes: a fresh key per run (in Azure, a Key Vault reference).
          ONBOARDING_CODE_KEY: randomBytes(36).toString('base64'),
          NOTIFY_SWEEP_SCHEDULE: '*/30 * * * * *',
          NOTIFY_RETRY_BASE_SECONDS: '2',
          // Short incident window: the lab's two endpoints behind one IIS fail together, one message tells both.
          NOTIFY_GROUP_SECONDS: '5',
          // An approval that ends within the scenario: reminded at once (it ends within the hour), removed
          // by the first run after its end (no grace), so the whole story fits in a few minutes.
          APPROVAL_EXPIRY_REMINDER_HOURS: '1',
          APPROVAL_EXPIRY_GRACE_HOURS: '0',
          // So the lab's messages carry working dashboard buttons (plain http: a loopback host).
          ...(options.dashboardUrl === undefined ? {} : { DASHBOARD_URL: options.dashboardUrl }),
          ...(ingestion === undefined
            ? {}
            : {
                APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString(),
                PROBE_RUN_LOCATION: 'local lab',
              }),
          ...(current.policy === undefined ? {} : { APPROVAL_POLICY_PATH: current.policy }),
          ...(customers === undefined
            ? {}
            : { ENTITLEMENT_URL: customers.url, ENTITLEMENT_SIGNING_KEY: customers.secret }),
        };
        const where =
          dataPath.addressing === 'addresses'
            ? `127.0.0.x:${dataPath.port ?? 0}`
            : '127.0.0.1 with a port per endpoint';
        return {
          env: provided,
          stop: async () => {
            await lab.stopRun();
            await stopStarted();
            emulator = undefined;
          },
          describe: `notifications: webhook sink ${sink.url} (/teams, /slack, /generic; every message kept whole: GET ${sink.url}/messages); entitlement checks: ${customers === undefined ? 'to ENTITLEMENT_URL' : `customer system ${customers.url}`}; availability: ${availabilityOff !== undefined ? `off (${availabilityOff})` : ingestion === undefined ? 'to APPLICATIONINSIGHTS_CONNECTION_STRING' : `ingestion stand-in ${ingestion.url}`}; lab: scenario "${current.name}" (${relative(options.appRoot, absoluteScenario)}): ARM emulator ${emulator.url}, IIS stand-in ${iis?.url ?? '(none)'}, private endpoints on ${where}, ${current.consumers.length} consumers`,
        };
      } catch (error) {
        await stopStarted();
        emulator = undefined;
        throw error;
      }
    },
    async afterHostReady(baseUrl) {
      if (emulator === undefined || scenario === undefined || dataPath === undefined) return;
      const running = emulator;
      const current = scenario;
      const path = dataPath;
      // The PROXY v2 stand-in asks the app's links route which consumer a link id is.
      proxyV2?.setAppUrl(baseUrl);
      if (current.events.enabled) {
        bridge = startEventGridBridge({
          emulator: running,
          webhookUrl: `${baseUrl}/runtime/webhooks/eventgrid?functionName=onConnectionEvent`,
          consumerCreates: current.events.consumerCreates,
          providerAppId: appClientId,
          consumerCreatesFor: (peId) =>
            current.consumers.find((c) => privateEndpointIdOf(c).toLowerCase() === peId.toLowerCase())
              ?.createEvent,
          onDelivery: (d) => {
            const what = `${d.event.eventType.replace('Microsoft.Resources.', '')} ${d.event.subject.split('/').at(-1) ?? ''}`;
            if (d.outcome === 'delivered') options.say(`event ${what} delivered to onConnectionEvent`);
            else
              options.say(
                `event ${what}: webhook answered ${d.status === 0 ? 'nothing' : d.status}, ${d.outcome}`,
              );
          },
        });
      }
      const writeState = () =>
        writeLabState(statePath, {
          pid: process.pid,
          startedAt: new Date().toISOString(),
          scenario: relative(options.appRoot, absoluteScenario),
          baseUrl,
          dashboardUrl: `${baseUrl}/api/dashboard`,
          armEndpoint: running.url,
          backendUrl: iis?.url ?? null,
          dataPath: { addressing: path.addressing, port: path.port ?? null },
          privateLinkServices: running.world
            .privateLinkServices()
            .map((p) => ({ name: p.name, id: p.id, alias: p.alias })),
          endpoints: Object.fromEntries(path.addresses().map((a) => [a.privateEndpointId, a.url])),
          notifySinkUrl: sink?.url ?? null,
          ingestion: ingestion === undefined ? null : { url: ingestion.url, ca: ingestion.ca },
        });
      writeState();
      // New endpoints (lab:consumer's too) get an address; keep the file's list current for the CLI.
      unsubscribe = running.onWrite((write) => {
        if (write.operationName.toLowerCase() === 'microsoft.network/privateendpoints/write') {
          void path.reserve(write.resourceId).then(writeState, () => undefined);
        }
      });
      options.say(
        `events: ${current.events.enabled ? `on for the provider's writes, ${current.events.consumerCreates ? 'and for consumer creates' : 'off for consumer creates (reconciliation must find them)'}` : 'off'}; reconcile ${current.schedules.reconcile}, probe ${current.schedules.probe}`,
      );
      const read = labReaders(baseUrl);
      watchers = [
        watchDecisions(read.decisions, options.say),
        watchProbes(read.probes, options.say, 2_000, (target, state) => order.told(target, state)),
        watchProblems(read.problems, options.say),
        ...(ingestion === undefined ? [] : [watchAvailability(ingestion.availability, options.say)]),
      ];
      run = startScenario({ scenario: current, emulator: running, iis, baseUrl, say: options.say });
      void run.done.then(() =>
        options.say(
          `scenario played out; the lab keeps running. Decide what waits in ${baseUrl}/api/dashboard, or be a consumer: npm run lab:consumer -- --subscription <guid> --tenant <guid> --message "CHG0000001 - ..." (docs/local-lab.md#local-lab). Ctrl+C stops.`,
        ),
      );
    },
    async stopRun() {
      unsubscribe?.();
      unsubscribe = undefined;
      await run?.stop();
      run = undefined;
      await Promise.all(watchers.map((w) => w.stop()));
      order.flush();
      if (watchers.length > 0 && ingestion !== undefined)
        options.say(describeAvailability(ingestion.availability()));
      watchers = [];
      await bridge?.stop();
      bridge = undefined;
      removeLabState(statePath);
    },
  };
  return lab;
}

/** The stand-in on 8080 like the sample probe targets say, or any free port when 8080 is taken. */
async function startIisOnPreferredPort(): Promise<IisStandIn> {
  try {
    return await startIisStandIn({ port: IIS_STAND_IN_DEFAULT_PORT });
  } catch {
    return startIisStandIn({ port: 0 });
  }
}
