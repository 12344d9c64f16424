import { z } from 'zod';
import { formatResourceId, tryParsePlsConnectionId, tryParsePlsId } from '../../arm/resource-id';
import { zodIssues } from '../../config/schema-issues';
import type { FieldIssue } from '../../errors';
import { ACCEPTED_EVENT_TYPES, ACCEPTED_OPERATION_NAMES } from '../core/event-filter';

/**
 * Reads one Event Grid delivery (Event Grid schema or CloudEvents 1.0) into what the handler acts
 * on: which PLS may have changed. Nothing else in the event is trusted; the PLS is re-read from ARM.
 */
export type ParsedEvent =
  | {
      readonly kind: 'accepted';
      readonly id: string;
      readonly eventType: string;
      readonly plsId: string;
      /** When the event is about one connection (its name), else undefined (the PLS itself). */
      readonly connectionName: string | undefined;
      readonly operationName: string | undefined;
      /** Who made the change, as the event's `claims` name them (see EventCaller). */
      readonly caller: EventCaller;
      /** Where the event came from (Event Grid `topic`, CloudEvents `source`): the fast path statistics name it. */
      readonly topic: string | undefined;
      /** When the change happened, as the event says (`eventTime` / `time`). */
      readonly eventTime: Date | undefined;
    }
  | { readonly kind: 'ignored'; readonly id: string | undefined; readonly reason: string }
  | { readonly kind: 'malformed'; readonly id: string | undefined; readonly issues: readonly FieldIssue[] };

/**
 * Who made a change, read from a resource event's `data.claims`: the claims of the caller's token,
 * which ARM copies into `Microsoft.Resources.ResourceWriteSuccess` and `...DeleteSuccess` events
 * (`ResourceWriteSuccessEventData.claims`, "Azure Resource Manager as an Event Grid source" /
 * "Azure subscription as an Event Grid source" on learn.microsoft.com). ARM's tokens are v1 tokens,
 * whose application id is `appid`; v2 tokens call it `azp`. Anything we cannot read as one
 * application id is `unidentified`, never `none`: only an event that names nobody may be matched
 * against a decision of ours, so a doubtful caller is queued, not dropped.
 */
export type EventCaller =
  /** The event carries no claims (Resource Notifications events, a delivery without them). */
  | { readonly kind: 'none' }
  /** The application id (a GUID, lower-cased) of the token that made the change. */
  | { readonly kind: 'application'; readonly appId: string }
  /** Claims are there but name no single application id we can compare (or are not a claims map). */
  | { readonly kind: 'unidentified' };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const claimsMap = z.record(z.string(), z.unknown());
const applicationId = z.string().trim().regex(GUID);

interface PlsResource {
  readonly plsId: string;
  readonly connectionName: string | undefined;
}

/** The PLS (and connection) an event's resource id names; undefined for any other resource. */
function plsResourceOf(resourceId: string): PlsResource | undefined {
  if (tryParsePlsId(resourceId) !== undefined) return { plsId: resourceId, connectionName: undefined };
  const connection = tryParsePlsConnectionId(resourceId);
  if (connection === undefined) return undefined;
  return { plsId: formatResourceId(connection.parent), connectionName: connection.name };
}

const resourceEventData = z.looseObject({
  resourceUri: z.string().optional(),
  operationName: z.string().optional(),
  status: z.string().optional(),
  // Read apart from the rest (callerOf): a strange claims value must not make the event malformed,
  // which would drop it; it makes the caller unidentified, which queues it.
  claims: z.unknown().optional(),
});

const arnEventData = z.looseObject({
  resourceInfo: z.looseObject({ id: z.string(), type: z.string().optional() }),
});

interface Envelope {
  readonly id: string;
  readonly type: string;
  readonly subject: string | undefined;
  readonly data: unknown;
  readonly topic: string | undefined;
  readonly eventTime: Date | undefined;
}

export async function parseConnectionEvent(raw: unknown): Promise<ParsedEvent> {
  const id = idOf(raw);
  let envelope: Envelope;
  try {
    envelope = await readEnvelope(raw);
  } catch (error) {
    return {
      kind: 'malformed',
      id,
      issues: [{ path: '(event)', message: error instanceof Error ? error.message : 'not an event' }],
    };
  }
  if (!ACCEPTED_EVENT_TYPES.some((t) => t.toLowerCase() === envelope.type.toLowerCase())) {
    return { kind: 'ignored', id, reason: `event type ${envelope.type} is not handled` };
  }
  if (envelope.type.toLowerCase().startsWith('microsoft.resourcenotifications.'))
    return fromArnEvent(envelope);
  return fromResourceEvent(envelope);
}

function fromResourceEvent(envelope: Envelope): ParsedEvent {
  const data = resourceEventData.safeParse(envelope.data);
  if (!data.success) return { kind: 'malformed', id: envelope.id, issues: zodIssues(data.error, 'data') };
  const operation = data.data.operationName;
  if (
    operation === undefined ||
    !ACCEPTED_OPERATION_NAMES.some((o) => o.toLowerCase() === operation.toLowerCase())
  ) {
    return {
      kind: 'ignored',
      id: envelope.id,
      reason: `operation ${operation ?? '(none)'} does not concern a Private Link Service`,
    };
  }
  const resource = data.data.resourceUri ?? envelope.subject;
  const match = resource === undefined ? undefined : plsResourceOf(resource);
  if (match === undefined) {
    return {
      kind: 'malformed',
      id: envelope.id,
      issues: [
        { path: 'data.resourceUri', message: 'expected a Private Link Service (or connection) resource id' },
      ],
    };
  }
  return accepted(envelope, match, operation, callerOf(data.data.claims));
}

function fromArnEvent(envelope: Envelope): ParsedEvent {
  const data = arnEventData.safeParse(envelope.data);
  if (!data.success) return { kind: 'malformed', id: envelope.id, issues: zodIssues(data.error, 'data') };
  const match = plsResourceOf(data.data.resourceInfo.id);
  if (match === undefined) {
    return { kind: 'ignored', id: envelope.id, reason: 'resource is not a Private Link Service' };
  }
  // Resource notifications carry no operation name and no claims.
  return accepted(envelope, match, undefined, { kind: 'none' });
}

/** Both event schemas end here: the envelope's own facts, the PLS the event names, and what each schema says of the change. */
function accepted(
  envelope: Envelope,
  match: PlsResource,
  operationName: string | undefined,
  caller: EventCaller,
): ParsedEvent {
  return {
    kind: 'accepted',
    id: envelope.id,
    eventType: envelope.type,
    plsId: match.plsId,
    connectionName: match.connectionName,
    operationName,
    caller,
    topic: envelope.topic,
    eventTime: envelope.eventTime,
  };
}

/** The caller named by a resource event's claims; see EventCaller for why doubt means `unidentified`. */
export function callerOf(claims: unknown): EventCaller {
  if (claims === undefined || claims === null) return { kind: 'none' };
  const parsed = claimsMap.safeParse(claims);
  if (!parsed.success) return { kind: 'unidentified' };
  if (Object.keys(parsed.data).length === 0) return { kind: 'none' };
  const named = [parsed.data.appid, parsed.data.azp].filter((value) => value !== undefined);
  const ids = named.map((value) => applicationId.safeParse(value));
  const distinct = new Set(ids.map((id) => (id.success ? id.data.toLowerCase() : undefined)));
  const [only] = distinct;
  if (ids.length === 0 || distinct.size !== 1 || only === undefined) return { kind: 'unidentified' };
  return { kind: 'application', appId: only };
}

/**
 * Validates the envelope with @azure/eventgrid's deserializer (loaded on first use). The Functions
 * host may hand over an Event Grid event without `topic`/`metadataVersion`; those are filled with
 * the values Event Grid itself sends, as nothing here depends on them.
 */
async function readEnvelope(raw: unknown): Promise<Envelope> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('expected one event object');
  const event = raw as Record<string, unknown>;
  const { EventGridDeserializer } = await import('@azure/eventgrid');
  const deserializer = new EventGridDeserializer();
  if ('specversion' in event) {
    const [cloud] = await deserializer.deserializeCloudEvents(event);
    if (cloud === undefined) throw new Error('expected one CloudEvent');
    return {
      id: cloud.id,
      type: cloud.type,
      subject: cloud.subject,
      data: cloud.data,
      topic: cloud.source,
      eventTime: validDate(cloud.time),
    };
  }
  const [grid] = await deserializer.deserializeEventGridEvents({
    topic: '',
    metadataVersion: '1',
    dataVersion: '',
    ...event,
    eventTime: normaliseTime(event.eventTime),
  });
  if (grid === undefined) throw new Error('expected one Event Grid event');
  return {
    id: grid.id,
    type: grid.eventType,
    subject: grid.subject,
    data: grid.data,
    topic: grid.topic === '' ? undefined : grid.topic,
    eventTime: validDate(grid.eventTime),
  };
}

/** The host may have turned eventTime into a Date already. */
function normaliseTime(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function validDate(value: Date | undefined): Date | undefined {
  return value === undefined || Number.isNaN(value.getTime()) ? undefined : value;
}

function idOf(raw: unknown): string | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}
