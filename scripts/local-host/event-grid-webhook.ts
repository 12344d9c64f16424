import type { z } from 'zod';
import { zodIssues } from '../../shared/config/schema-issues';
import type { FieldIssue } from '../../shared/errors';
import type { EventGridFunctionDefinition, RegisteredFunction } from '../../shared/host/function-definition';
import {
  type CloudEvent,
  cloudEventBatchSchema,
  cloudEventSchema,
  type EventGridEvent,
  eventGridBatchSchema,
  subscriptionValidationSchema,
} from './event-grid-schemas';
import type { HostLogger } from './invocation-logger';
import { failureReason, invoke } from './invoke';

export const EVENT_GRID_WEBHOOK_PATH = '/runtime/webhooks/eventgrid';

export interface WebhookDelivery {
  readonly method: string;
  readonly functionName: string | null;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export type WebhookReply =
  | {
      readonly kind: 'ok';
      readonly status: 200 | 202;
      readonly headers?: Record<string, string>;
      readonly json?: unknown;
    }
  | {
      readonly kind: 'problem';
      readonly status: 400 | 404 | 405 | 500;
      readonly code: string;
      readonly detail: string;
      readonly issues?: readonly FieldIssue[];
      readonly headers?: Record<string, string>;
    };

function badRequest(detail: string, issues: readonly FieldIssue[]): WebhookReply {
  return {
    kind: 'problem',
    status: 400,
    code: 'validation_failed',
    detail: `${detail}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  };
}

function parse<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): { value: T } | { reply: WebhookReply } {
  const result = schema.safeParse(value);
  if (result.success) return { value: result.data };
  return { reply: badRequest(`Invalid ${what}`, zodIssues(result.error, 'body')) };
}

function mediaType(headers: WebhookDelivery['headers']): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

type Parsed =
  | { readonly kind: 'validation'; readonly code: string }
  | { readonly kind: 'events'; readonly events: readonly (EventGridEvent | CloudEvent)[] }
  | { readonly kind: 'unsubscribe' };

/** Decides which of the shapes the real host accepts this delivery is, and parses it. */
function parseDelivery(delivery: WebhookDelivery, body: unknown): Parsed | { reply: WebhookReply } {
  const type = mediaType(delivery.headers);
  if (type === 'application/cloudevents+json') {
    const parsed = parse(cloudEventSchema, body, 'CloudEvent');
    return 'reply' in parsed ? parsed : { kind: 'events', events: [parsed.value] };
  }
  if (type === 'application/cloudevents-batch+json') {
    const parsed = parse(cloudEventBatchSchema, body, 'CloudEvents batch');
    return 'reply' in parsed ? parsed : { kind: 'events', events: parsed.value };
  }
  const aegEventType = delivery.headers['aeg-event-type'];
  switch (aegEventType?.toLowerCase()) {
    case 'subscriptionvalidation': {
      const parsed = parse(subscriptionValidationSchema, body, 'subscription validation');
      if ('reply' in parsed) return parsed;
      const [first] = parsed.value;
      return first === undefined
        ? { reply: badRequest('Invalid subscription validation', []) }
        : { kind: 'validation', code: first.data.validationCode };
    }
    case 'notification': {
      // Event Grid also delivers CloudEvents as application/json with this header.
      const looksLikeCloudEvents = Array.isArray(body) ? isCloudEvent(body[0]) : isCloudEvent(body);
      if (looksLikeCloudEvents) {
        const parsed = Array.isArray(body)
          ? parse(cloudEventBatchSchema, body, 'CloudEvents batch')
          : parse(
              cloudEventSchema.transform((e) => [e]),
              body,
              'CloudEvent',
            );
        return 'reply' in parsed ? parsed : { kind: 'events', events: parsed.value };
      }
      const parsed = parse(eventGridBatchSchema, body, 'Event Grid events');
      return 'reply' in parsed ? parsed : { kind: 'events', events: parsed.value };
    }
    case 'unsubscribe':
      return { kind: 'unsubscribe' };
    default:
      return {
        reply: badRequest('Cannot tell what this delivery is', [
          {
            path: 'aeg-event-type',
            message: `expected the header Notification or SubscriptionValidation (or Content-Type application/cloudevents+json or application/cloudevents-batch+json); got ${aegEventType === undefined ? 'no header' : JSON.stringify(aegEventType)}`,
          },
        ]),
      };
  }
}

function isCloudEvent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'specversion' in value;
}

function describeEvent(event: EventGridEvent | CloudEvent): string {
  return 'specversion' in event
    ? `cloudevent ${event.id} ${event.type}`
    : `event ${event.id} ${event.eventType}`;
}

/**
 * The host's Event Grid webhook: the validation handshakes (Event Grid schema and CloudEvents
 * OPTIONS), then one invocation per delivered event. Any failed invocation makes the answer 500 so
 * Event Grid retries the delivery, as it does against the real host.
 */
export async function handleEventGridDelivery(
  delivery: WebhookDelivery,
  definitions: readonly RegisteredFunction[],
  logger: HostLogger,
): Promise<WebhookReply> {
  const method = delivery.method.toUpperCase();
  if (method !== 'POST' && method !== 'OPTIONS') {
    return {
      kind: 'problem',
      status: 405,
      code: 'method_not_allowed',
      detail: `The Event Grid webhook accepts POST and OPTIONS, not ${method}.`,
      headers: { allow: 'OPTIONS, POST' },
    };
  }
  if (delivery.functionName === null || delivery.functionName === '') {
    return badRequest('Missing function name', [
      {
        path: 'functionName',
        message: 'expected the query parameter functionName=<name of an Event Grid function>',
      },
    ]);
  }
  const wanted = delivery.functionName.toLowerCase();
  const definition = definitions.find(
    (d): d is EventGridFunctionDefinition => d.kind === 'eventGrid' && d.name.toLowerCase() === wanted,
  );
  if (definition === undefined) {
    return {
      kind: 'problem',
      status: 404,
      code: 'not_found',
      detail: `No Event Grid function named "${delivery.functionName}".`,
    };
  }
  if (method === 'OPTIONS') return cloudEventsHandshake(delivery);

  let body: unknown;
  try {
    body = JSON.parse(delivery.body.toString('utf8'));
  } catch {
    return badRequest('The body is not JSON', [{ path: '(body)', message: 'expected valid JSON' }]);
  }
  const parsed = parseDelivery(delivery, body);
  if ('reply' in parsed) return parsed.reply;
  if (parsed.kind === 'validation')
    return { kind: 'ok', status: 200, json: { validationResponse: parsed.code } };
  if (parsed.kind === 'unsubscribe') return { kind: 'ok', status: 202 };

  const failures: string[] = [];
  for (const event of parsed.events) {
    const outcome = await invoke({
      logger,
      functionName: definition.name,
      trigger: 'eventGrid',
      detail: describeEvent(event),
      run: (context) => definition.handler(event, context),
    });
    if (!outcome.ok) failures.push(`${event.id}: ${failureReason(outcome.error)}`);
  }
  if (failures.length > 0) {
    return {
      kind: 'problem',
      status: 500,
      code: 'internal',
      detail: `${failures.length} of ${parsed.events.length} event(s) failed; Event Grid will retry the delivery. ${failures.join('; ')}`,
    };
  }
  return { kind: 'ok', status: 202 };
}

/** CloudEvents 1.0 abuse protection: the sender asks in an OPTIONS request whether it may deliver here. */
function cloudEventsHandshake(delivery: WebhookDelivery): WebhookReply {
  const origin = delivery.headers['webhook-request-origin'];
  if (origin === undefined || origin.trim() === '') {
    return badRequest('Invalid CloudEvents validation request', [
      {
        path: 'WebHook-Request-Origin',
        message: 'expected the header naming the sender, e.g. eventgrid.azure.net',
      },
    ]);
  }
  return {
    kind: 'ok',
    status: 200,
    headers: { 'webhook-allowed-origin': origin.trim(), 'webhook-allowed-rate': '*', allow: 'OPTIONS, POST' },
  };
}
