/*
 * One incident per cause, pure. Two endpoints failing for one cause (the provider's service down
 * behind one Private Link Service, say) must wake a person once, with both named, not twice.
 *
 * A probe.down joins the incident of its cause key: the failure class, phase and code of the run
 * that made it DOWN, and the Private Link Service when the target's `dependsOn` names a connection
 * under one. The first one of a key opens the incident and is held for INCIDENT_WINDOW_SECONDS;
 * every probe.down of the same key arriving in that window joins it and sends nothing of its own;
 * then the first one is sent, naming them all, to every webhook. A later one opens a new incident.
 */
import { tryParseResourceId } from '../../arm/resource-id';
import { eventId, type NotifyEvent } from './notify-events';

/**
 * How long the first probe.down of a cause waits for others. The targets of one probe run are
 * probed together, so the transitions one cause makes land within a few seconds of each other;
 * the window only delays the message by as much.
 */
export const INCIDENT_WINDOW_SECONDS = 20;

/** An affected target as the incident keeps it, for the message. */
export interface IncidentMember {
  readonly eventId: string;
  /** The target id (the event's subject): short, for logs and the lab's narrative. */
  readonly id?: string | undefined;
  readonly name: string;
  readonly url: string | undefined;
}

/** The cause key of an event that can be grouped (a probe.down with a failure class), else null. */
export function incidentKey(event: NotifyEvent): string | null {
  const f = event.facts;
  if (event.type !== 'probe.down' || f.failureClass === undefined) return null;
  return eventId(
    ['incident', f.failureClass, f.phase ?? '', f.code ?? '', (f.plsName ?? '').toLowerCase()].join('|'),
  );
}

/** The Private Link Service a target's `dependsOn` names, when it names a connection under one. */
export function plsNameOfDependency(dependsOn: string | undefined): string | undefined {
  if (dependsOn === undefined) return undefined;
  return tryParseResourceId('plsConnection', dependsOn)?.parent.name;
}

export function memberOf(event: NotifyEvent): IncidentMember {
  return {
    eventId: event.id,
    id: event.subject,
    name: event.facts.targetName ?? event.subject,
    url: event.facts.url,
  };
}

/** The leader's event, naming every member: the others go into `alsoAffected`, in the order they joined. */
export function groupedEvent(leader: NotifyEvent, members: readonly IncidentMember[]): NotifyEvent {
  const others = members.filter((m) => m.eventId !== leader.id);
  if (others.length === 0) return leader;
  return {
    ...leader,
    facts: {
      ...leader.facts,
      affectedCount: others.length + 1,
      alsoAffected: others.map((m) => (m.url === undefined ? m.name : `${m.name} (${m.url})`)).join('; '),
      alsoAffectedIds: others.map((m) => m.id ?? m.name).join(', '),
    },
  };
}
