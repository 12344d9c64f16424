/*
 * Onboarding code records (table `OnboardingCodes`, one partition, RowKey = the code's id). A row
 * holds what the code was issued for and which connections hold its places, never the code: the id
 * alone is useless without the MAC, which only the signing key gives. Places are taken with
 * optimistic concurrency (shared/storage/optimistic-update.ts): two instances deciding connections
 * with the same code at once cannot both take its last place, since the second write's ETag no
 * longer matches and it re-reads the count.
 */
import type { TableClient } from '@azure/data-tables';
import { compact } from '../../storage/entity-values';
import { updateOptimistically } from '../../storage/optimistic-update';
import { getOrUndefined, storageError } from '../../storage/table-errors';
import {
  type ConnectionForCode,
  claimPlace,
  type OnboardingCodeRecord,
  type PlaceDecision,
  type PlaceMode,
} from '../core/onboarding-code-rules';

const PARTITION = 'code';

type CodeRow = {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly customer: string;
  readonly pls?: string;
  readonly expiresAt: string;
  readonly maxConnections: number;
  readonly issuedAt: string;
  readonly issuedBy: string;
  readonly keyId: string;
  readonly fingerprint: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  /** JSON array of place keys (at most maxConnections × 16 hex digits). */
  readonly places: string;
};

export class OnboardingCodeStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  /** Stores a new record; the id is random (64 bits), so a create that collides is a storage error. */
  async create(record: OnboardingCodeRecord): Promise<void> {
    try {
      await (await this.table()).createEntity(toRow(record));
    } catch (error) {
      throw storageError('storing the onboarding code record', error);
    }
  }

  async get(id: string): Promise<OnboardingCodeRecord | undefined> {
    const table = await this.table();
    const row = await getOrUndefined(
      () => table.getEntity<CodeRow>(PARTITION, id),
      'reading the onboarding code record',
    );
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every record, newest issue first (the list is small: codes are issued by people). */
  async list(): Promise<OnboardingCodeRecord[]> {
    try {
      const table = await this.table();
      const records: OnboardingCodeRecord[] = [];
      for await (const row of table.listEntities<CodeRow>({
        queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
      })) {
        records.push(fromRow(row));
      }
      return records.sort((a, b) => b.issuedAt.localeCompare(a.issuedAt));
    } catch (error) {
      throw storageError('listing onboarding codes', error);
    }
  }

  /** Marks a record revoked (idempotent: a second revoke keeps the first time); undefined when it does not exist. */
  async revoke(id: string, by: string, at: Date): Promise<OnboardingCodeRecord | undefined> {
    const table = await this.table();
    return updateOptimistically<CodeRow, OnboardingCodeRecord | undefined>(
      table,
      { partitionKey: PARTITION, rowKey: id },
      (current) => {
        if (current === undefined) return { result: undefined };
        const record = fromRow(current);
        if (record.revokedAt !== undefined) return { result: record };
        const revoked = { ...record, revokedAt: at.toISOString(), revokedBy: by };
        return { write: toRow(revoked), result: revoked };
      },
      { what: 'revoking the onboarding code' },
    );
  }

  /**
   * Checks the code's record for the connection and, in mode `take`, takes a place for it: one
   * read-modify-write under the row's ETag, retried on conflict. `undefined` when no record has the id.
   */
  async claim(
    id: string,
    connection: ConnectionForCode,
    now: Date,
    mode: PlaceMode,
  ): Promise<{ readonly record: OnboardingCodeRecord; readonly decision: PlaceDecision } | undefined> {
    const table = await this.table();
    return updateOptimistically<
      CodeRow,
      { readonly record: OnboardingCodeRecord; readonly decision: PlaceDecision } | undefined
    >(
      table,
      { partitionKey: PARTITION, rowKey: id },
      (current) => {
        // Absent: never create a record from a claim (the create branch of the update is not taken).
        if (current === undefined) return { result: undefined };
        const record = fromRow(current);
        const decision = claimPlace(record, connection, now, mode);
        if (!decision.ok || decision.places === undefined) return { result: { record, decision } };
        const next = { ...record, places: decision.places };
        return { write: toRow(next), result: { record: next, decision } };
      },
      { what: 'counting the onboarding code connection' },
    );
  }
}

function toRow(record: OnboardingCodeRecord): CodeRow {
  return compact({
    partitionKey: PARTITION,
    rowKey: record.id,
    customer: record.customer,
    pls: record.pls,
    expiresAt: record.expiresAt,
    maxConnections: record.maxConnections,
    issuedAt: record.issuedAt,
    issuedBy: record.issuedBy,
    keyId: record.keyId,
    fingerprint: record.fingerprint,
    revokedAt: record.revokedAt,
    revokedBy: record.revokedBy,
    places: JSON.stringify(record.places),
  }) as CodeRow;
}

function fromRow(row: CodeRow): OnboardingCodeRecord {
  let places: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.places);
    if (Array.isArray(parsed)) places = parsed.filter((p): p is string => typeof p === 'string');
  } catch {
    // A damaged list counts as full below (fail closed): nothing can prove a place is free.
    places = Array.from({ length: Number(row.maxConnections) }, (_, i) => `damaged-${i}`);
  }
  return {
    id: row.rowKey,
    customer: String(row.customer),
    pls: typeof row.pls === 'string' ? row.pls : undefined,
    expiresAt: String(row.expiresAt),
    maxConnections: Number(row.maxConnections),
    issuedAt: String(row.issuedAt),
    issuedBy: String(row.issuedBy),
    keyId: String(row.keyId),
    fingerprint: String(row.fingerprint),
    revokedAt: typeof row.revokedAt === 'string' ? row.revokedAt : undefined,
    revokedBy: typeof row.revokedBy === 'string' ? row.revokedBy : undefined,
    places,
  };
}
