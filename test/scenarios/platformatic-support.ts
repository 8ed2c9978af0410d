/**
 * Reading with @platformatic/kafka without a consumer group (groups are [kafka-groups]): one direct Fetch of a
 * topic's partition 0 from offset 0, through the client's own metadata and fetch requests.
 */
import type { Consumer } from "@platformatic/kafka";

/** The partition's error code and every record of the batches one Fetch answered. */
export async function fetchPartitionZero<K, V, HK, HV>(consumer: Consumer<K, V, HK, HV>, topic: string) {
  const meta = await consumer.metadata({ topics: [topic] });
  const t = meta.topics.get(topic)!;
  const fetched = await consumer.fetch({
    node: t.partitions[0]!.leader,
    maxWaitTime: 100,
    topics: [
      {
        topicId: t.id,
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
  });
  const p = fetched.responses[0]!.partitions[0]!;
  const batches = (Array.isArray(p.records) ? p.records : [p.records]).filter(Boolean);
  return { errorCode: p.errorCode, records: batches.flatMap((b) => b!.records) };
}
