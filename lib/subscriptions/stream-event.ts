/**
 * What wakes delivery on AWS: DynamoDB Streams records of the ledger table (KEYS_ONLY), filtered by the event
 * source mapping to partition heads (pk "p#<topicId>#<partition>", sk "head": lib/log/keys.ts), so the function
 * runs only when a partition's high watermark (or its start) may have moved. HEAD_CHANGE_FILTER is that filter,
 * in Lambda's event-filtering syntax; the CDK construct installs it and the tests apply it to recorded events.
 */

/** The parts of a DynamoDB Streams record (as Lambda delivers it) that delivery reads. */
export interface StreamRecord {
  eventName?: string;
  dynamodb?: { Keys?: Record<string, { S?: string }> };
}

/** Lambda event filter: inserts and modifications of partition-head items. */
export const HEAD_CHANGE_FILTER = {
  eventName: ["INSERT", "MODIFY"],
  dynamodb: { Keys: { pk: { S: [{ prefix: "p#" }] }, sk: { S: ["head"] } } },
} as const;

/** The partitions whose heads the records name, each once; records of other items are ignored. */
export function changedHeads(records: StreamRecord[]): { topicId: string; partition: number }[] {
  const out = new Map<string, { topicId: string; partition: number }>();
  for (const r of records) {
    const pk = r.dynamodb?.Keys?.pk?.S;
    const sk = r.dynamodb?.Keys?.sk?.S;
    if (sk !== "head" || !pk?.startsWith("p#")) continue;
    const cut = pk.lastIndexOf("#");
    const topicId = pk.slice(2, cut);
    const partition = Number(pk.slice(cut + 1));
    if (cut <= 1 || topicId === "" || !Number.isSafeInteger(partition) || partition < 0) continue;
    out.set(pk, { topicId, partition });
  }
  return [...out.values()];
}
