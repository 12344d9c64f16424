/* A connection that appeared, vanished or changed outside the product, as the reconciliation saw it. */
export type DriftKind = 'appeared' | 'vanished' | 'changed';

export interface DriftRecord {
  readonly kind: DriftKind;
  readonly plsId: string;
  readonly connectionName: string;
  readonly connectionId: string;
  readonly statusBefore: string | undefined;
  readonly statusAfter: string | undefined;
  readonly at: Date;
}
