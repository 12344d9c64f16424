import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { AppError } from '../../errors';
import type { IncidentMember } from '../core/incidents';

/**
 * Incidents (../core/incidents.ts) in the NotifyDeliveries table, beside the delivery states but in
 * partitions of their own (`incident|{cause key}`; delivery states use the 32-hex event id). One
 * incident serves every webhook: the same event leads it in each, so every channel (and the lab's
 * narrative) tells the same message:
 * - row `open`: the cause's current incident (when it opened), so the next probe.down finds it;
 * - row `{opened ms}`: the incident itself: its leader, its members, and `sentAt` once the leader's
 *   message took its member list. Every change is made with the ETag it was read with, so a member
 *   joins before the leader reads the list or finds the incident sent and is told on its own.
 */
export type JoinOutcome =
  /** This event opened the incident: hold it for the window, then send it with the members. */
  | { readonly role: 'leader'; readonly openedAt: number }
  /** This event joined an open incident: its leader's message names it. */
  | { readonly role: 'member'; readonly leader: string };

const OPEN = 'open';
const ATTEMPTS = 5;

export class IncidentStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  /** Joins the cause's open incident (opened less than `windowMs` ago and not yet sent), or opens one. */
  async join(key: string, member: IncidentMember, now: Date, windowMs: number): Promise<JoinOutcome> {
    const table = await this.table();
    const pk = partitionOf(key);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const pointer = await read(table, pk, OPEN);
      const openedAt = pointer === undefined ? undefined : Number(pointer.openedAt);
      const incident = openedAt === undefined ? undefined : await read(table, pk, String(openedAt));
      if (openedAt !== undefined && incident !== undefined) {
        // Its role is the same for every webhook and every copy, whenever that copy comes.
        if (incident.leader === member.eventId) return { role: 'leader', openedAt };
        const members = membersOf(incident);
        if (members.some((m) => m.eventId === member.eventId))
          return { role: 'member', leader: String(incident.leader) };
        if (incident.sentAt === undefined && now.getTime() - openedAt < windowMs) {
          const joined = await write(table, { ...incident, members: JSON.stringify([...members, member]) });
          if (joined) return { role: 'member', leader: String(incident.leader) };
          continue; // changed under us (another member, or the leader sending): read again
        }
      }
      // No open incident: open one (the pointer is replaced only if unchanged since read).
      const opened = now.getTime();
      const moved = await write(
        table,
        { partitionKey: pk, rowKey: OPEN, openedAt: opened, etag: pointer?.etag },
        pointer === undefined,
      );
      if (!moved) continue;
      await table.upsertEntity(
        {
          partitionKey: pk,
          rowKey: String(opened),
          leader: member.eventId,
          members: JSON.stringify([member]),
        },
        'Replace',
      );
      return { role: 'leader', openedAt: opened };
    }
    // Contended beyond reason: tell this one on its own rather than risk not telling it.
    return { role: 'leader', openedAt: Number.NaN };
  }

  /** The leader takes the member list and marks the incident sent: members arriving later are told on their own. */
  async close(key: string, openedAt: number): Promise<readonly IncidentMember[]> {
    if (Number.isNaN(openedAt)) return [];
    const table = await this.table();
    const pk = partitionOf(key);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const incident = await read(table, pk, String(openedAt));
      if (incident === undefined) return [];
      if (incident.sentAt !== undefined) return membersOf(incident);
      if (await write(table, { ...incident, sentAt: new Date().toISOString() })) return membersOf(incident);
    }
    return [];
  }
}

function partitionOf(key: string): string {
  return `incident|${key}`;
}

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string | undefined };

async function read(table: TableClient, pk: string, rk: string): Promise<Row | undefined> {
  try {
    const row = await table.getEntity<Record<string, unknown>>(pk, rk);
    return { ...row, partitionKey: pk, rowKey: rk, etag: String(row.etag) };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw unavailable(error);
  }
}

/** Create (`create`) or replace under the row's ETag; false when another writer got there first. */
async function write(table: TableClient, row: Row, create = false): Promise<boolean> {
  const { etag, timestamp: _timestamp, 'odata.metadata': _metadata, ...entity } = row;
  try {
    if (create) await table.createEntity(entity);
    else await table.updateEntity(entity, 'Replace', { etag: etag ?? '*' });
    return true;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 409 || status === 412) return false;
    throw unavailable(error);
  }
}

const membersSchema = z.array(
  z.object({
    eventId: z.string().max(64),
    id: z.string().max(1024).optional(),
    name: z.string().max(1024),
    url: z.string().max(4096).optional(),
  }),
);

/** The stored member list; an unreadable one counts as empty (the leader is still told). */
function membersOf(row: Row): IncidentMember[] {
  try {
    return membersSchema
      .parse(JSON.parse(String(row.members ?? '[]')))
      .map((m) => ({ eventId: m.eventId, id: m.id, name: m.name, url: m.url }));
  } catch {
    return [];
  }
}

function unavailable(error: unknown): AppError {
  return new AppError('storage_unavailable', 'Storage failed while grouping a notification.', {
    cause: error,
  });
}
