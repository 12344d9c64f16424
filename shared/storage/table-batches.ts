/** Entity Group Transactions take at most 100 actions, all in one partition. */
export const MAX_BATCH = 100;

/** Groups items by partition and cuts each group into transaction-sized chunks. */
export function chunksByPartition<T>(items: readonly T[], partitionOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = partitionOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  const chunks: T[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += MAX_BATCH) chunks.push(group.slice(i, i + MAX_BATCH));
  }
  return chunks;
}
