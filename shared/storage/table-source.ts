/*
 * What a store needs from the composition root: tables by logical name (the container adds the
 * installation's prefix and creates them on first use) and, for monthly tables, by full name.
 * Stores and the use cases that only read tables take this, never the whole container.
 */
import type { TableClient, TableServiceClient } from '@azure/data-tables';

export interface TableSource {
  table(logical: string): Promise<TableClient>;
}

export interface MonthlyTableSource extends TableSource {
  tableName(logical: string): string;
  tableClient(fullName: string): Promise<TableClient>;
}

export interface TableServiceSource extends MonthlyTableSource {
  tableService(): Promise<TableServiceClient>;
}
