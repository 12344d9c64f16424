/*
 * The last exposure audit of each managed PLS (table `Exposure`, PartitionKey `latest`, RowKey the
 * PLS key): a point row per PLS, replaced by every run that could read the PLS, so health reads
 * every contradiction in one query, and a PLS that could not be read keeps its last known state.
 * The row also keeps the keys of the contradictions already announced, so each is announced once
 * (again only after it was fixed and came back).
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import type { PartitionStaging } from '../../storage/outbox-staging';
import { isNotFound, storageError } from '../../storage/table-errors';
import { invertedTicks, plsKey } from '../../storage/table-keys';
import type { ExposureAudit, ExposureChange, ExposurePlan } from '../core/exposure-audit';

/** The one partition of `Exposure` (the sweeper finds left-behind outbox rows there). */
export const EXPOSURE_PARTITION = 'latest';
const PARTITION = EXPOSURE_PARTITION;

export interface StoredExposure {
  readonly audit: ExposureAudit;
  readonly checkedAt: string;
  /** Keys of the findings already announced (logged as new). */
  readonly announced: readonly string[];
  /** The key of the last settings plan recorded (EXPOSURE_MODE=dry-run), so each plan is recorded once. */
  readonly plannedKey?: string | undefined;
}

const findingSchema = z.object({
  key: z.string().min(1),
  setting: z.enum(['visibility', 'accessMode', 'autoApproval']),
  problem: z.string(),
  fix: z.string(),
  // Rows written before these fields existed read as unknown values (announced once more, then kept).
  current: z.string().default('?'),
  expected: z.string().default('?'),
});

const auditSchema = z.object({
  plsId: z.string().min(1),
  trust: z.enum(['open', 'closed']),
  visibility: z.array(z.string()),
  accessMode: z.string(),
  autoApproval: z.array(z.string()),
  enableProxyProtocol: z.boolean(),
  findings: z.array(findingSchema),
});

const rowSchema = z.object({
  checkedAt: z.string().min(1),
  audit: z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }),
  announced: z.string().default(''),
  plannedKey: z.string().optional(),
});

function fromRow(row: Record<string, unknown>): StoredExposure | undefined {
  const parsed = rowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const audit = auditSchema.safeParse(parsed.data.audit);
  if (!audit.success) return undefined;
  return {
    audit: audit.data,
    checkedAt: parsed.data.checkedAt,
    announced: parsed.data.announced === '' ? [] : parsed.data.announced.split('\n'),
    plannedKey: parsed.data.plannedKey === '' ? undefined : parsed.data.plannedKey,
  };
}

/**
 * Where exposure announcements are staged: in the `latest` partition, in one transaction with the
 * row whose announced list says they were made (the notification feature implements it).
 */
export interface ExposureOutbox {
  stageExposure(partitionKey: string, changes: readonly ExposureChange[]): PartitionStaging | null;
}

/** One recorded settings plan (table `ExposurePlans`: PartitionKey = PLS key, RowKey = inverted ticks, newest first). */
export interface RecordedPlan {
  readonly plan: ExposurePlan;
  readonly at: Date;
  /** `dry-run`: the plan as proposed; `enforce`: a write of it, as intent and then outcome. */
  readonly mode: 'dry-run' | 'enforce';
  readonly policyVersion: string;
  readonly correlationId: string;
  /** enforce only: the row before the ARM write (`intent`) or after it (`outcome`). */
  readonly phase?: 'intent' | 'outcome' | undefined;
  /** enforce outcome: `succeeded`, `refused` (a guard stopped it) or `failed` (ARM refused it). */
  readonly result?: 'succeeded' | 'refused' | 'failed' | undefined;
  /** Why (refused), or the AppError code (failed). */
  readonly detail?: string | undefined;
}

export class ExposureStore {
  constructor(
    private readonly table: () => Promise<TableClient>,
    /** Where settings plans are audited (EXPOSURE_MODE=dry-run). */
    private readonly plans: () => Promise<TableClient>,
    /** Announcements are staged with the row; null when NOTIFY_WEBHOOKS is unset. */
    private readonly outbox: ExposureOutbox | null = null,
  ) {}

  async recordPlan(recorded: RecordedPlan): Promise<void> {
    try {
      const table = await this.plans();
      await table.createEntity({
        partitionKey: plsKey(recorded.plan.plsId),
        // An enforced write's intent and outcome may share a millisecond: the phase keeps them apart.
        rowKey: `${invertedTicks(recorded.at)}${recorded.phase === undefined ? '' : `|${recorded.phase}`}`,
        plsId: recorded.plan.plsId,
        at: recorded.at.toISOString(),
        mode: recorded.mode,
        planKey: recorded.plan.key,
        phase: recorded.phase ?? '',
        result: recorded.result ?? '',
        detail: recorded.detail ?? '',
        policyVersion: recorded.policyVersion,
        correlationId: recorded.correlationId,
        visibilityFrom:
          recorded.plan.visibility === undefined ? '' : JSON.stringify(recorded.plan.visibility.from),
        visibilityTo:
          recorded.plan.visibility === undefined ? '' : JSON.stringify(recorded.plan.visibility.to),
        accessModeFrom: recorded.plan.accessMode?.from ?? '',
        accessModeTo: recorded.plan.accessMode?.to ?? '',
        kept: JSON.stringify(recorded.plan.kept),
      });
    } catch (error) {
      throw storageError('recording the exposure plan', error);
    }
  }

  /**
   * Whether EXPOSURE_MODE=dry-run recorded this very plan for the PLS (enforce writes only a plan
   * someone could read first). Rows from before plan keys were kept never match.
   */
  async hasDryRunPlan(plsId: string, planKey: string): Promise<boolean> {
    try {
      const table = await this.plans();
      for await (const _ of table.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${plsKey(plsId)} and mode eq ${'dry-run'} and planKey eq ${planKey}`,
          select: ['planKey'],
        },
      }))
        return true;
      return false;
    } catch (error) {
      throw storageError('reading the exposure plans', error);
    }
  }

  /** The plan rows of one PLS, newest first (the audit trail of dry-runs and enforced writes). */
  async listPlans(plsId: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    try {
      const table = await this.plans();
      for await (const row of table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${plsKey(plsId)}` },
      }))
        out.push(row);
    } catch (error) {
      throw storageError('reading the exposure plans', error);
    }
    return out;
  }

  /** The stored audit of one PLS, or undefined (none yet, or a row this version cannot read). */
  async get(plsId: string): Promise<StoredExposure | undefined> {
    try {
      const table = await this.table();
      return fromRow(await table.getEntity<Record<string, unknown>>(PARTITION, plsKey(plsId)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storageError('reading the exposure audit', error);
    }
  }

  /**
   * Replaces the PLS's row; the notifications of `changes` go in the same transaction, so an
   * announcement is staged exactly when the announced list that records it is stored.
   */
  async put(stored: StoredExposure, changes: readonly ExposureChange[] = []): Promise<void> {
    const notify = changes.length === 0 ? null : (this.outbox?.stageExposure(PARTITION, changes) ?? null);
    let table: TableClient;
    try {
      table = await this.table();
      const row: TransactionAction = [
        'upsert',
        {
          partitionKey: PARTITION,
          rowKey: plsKey(stored.audit.plsId),
          checkedAt: stored.checkedAt,
          audit: JSON.stringify(stored.audit),
          announced: stored.announced.join('\n'),
          plannedKey: stored.plannedKey ?? '',
        },
        'Replace',
      ];
      await table.submitTransaction([row, ...(notify?.actionsFor(PARTITION) ?? [])]);
    } catch (error) {
      throw storageError('writing the exposure audit', error);
    }
    await notify?.publish(table);
  }

  /** Every stored audit (one row per PLS ever audited). */
  async list(): Promise<StoredExposure[]> {
    const out: StoredExposure[] = [];
    try {
      const table = await this.table();
      for await (const row of table.listEntities<Record<string, unknown>>({
        // Outbox rows (`~notify|...`) share the partition; they are not audits.
        queryOptions: { filter: odata`PartitionKey eq ${PARTITION} and RowKey lt ${'~'}` },
      })) {
        const stored = fromRow(row);
        if (stored !== undefined) out.push(stored);
      }
    } catch (error) {
      throw storageError('reading the exposure audits', error);
    }
    return out;
  }
}
