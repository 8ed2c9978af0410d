/**
 * The consumer-group domain's public shapes: what lib/api maps 1:1 to the /v1/groups routes.
 * See docs/GROUPS.md for the protocol (leases, incremental assignment, fencing) and the storage layout.
 */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface JoinOptions {
  /** topics the member subscribes to (at least one) */
  topics: string[];
  /** lease length; default 45 s, as in Kafka */
  sessionTimeoutMs?: number;
  /**
   * Client-chosen member id (as KIP-1082 lets Kafka clients do). A join naming a live member is a new
   * incarnation of it (new epoch; the previous one is fenced) unless it repeats that incarnation's joinId.
   */
  memberId?: string;
  /**
   * Client-chosen id of this join, repeated on its retries: a retry (its answer was lost) finds the incarnation
   * it created, same epoch and partitions. Without it, every join naming a live member starts a new incarnation.
   */
  joinId?: string;
}

export interface LeaveOptions {
  /**
   * The leaving incarnation's epoch. With it, a leave from a fenced incarnation frees only what that incarnation
   * may still hold and never removes the member's newer incarnation. Without it, the member is removed.
   */
  memberEpoch?: number;
}

export interface JoinResult {
  memberId: string;
  memberEpoch: number;
  /** the partitions the member may own now */
  assignments: TopicPartition[];
  /** the lease length the coordinator applies (the client's own safety margin derives from it) */
  sessionTimeoutMs: number;
}

export interface HeartbeatRequest {
  memberEpoch: number;
  /** the partitions the member holds right now (it never re-takes one without a new answer listing it) */
  owned: TopicPartition[];
}

export interface HeartbeatResult {
  memberEpoch: number;
  /** the partitions the member may own now: it drops every partition not listed */
  assignments: TopicPartition[];
}

export interface OffsetCommit extends TopicPartition {
  /** the next offset to read (Kafka's convention) */
  offset: number;
  metadata?: string;
}

export interface CommitRequest {
  /** absent for a standalone commit (Kafka's assign() mode), allowed only while the group has no live members */
  memberId?: string;
  memberEpoch?: number;
  offsets: OffsetCommit[];
}

export interface PartitionOffset extends TopicPartition {
  /** committed next offset to read; null when nothing is committed for this topic incarnation */
  offset: number | null;
  metadata: string | null;
  highWatermark: number;
  /** highWatermark - offset; null when nothing is committed */
  lag: number | null;
}

export interface FetchOffsetsResult {
  offsets: PartitionOffset[];
}

/** Kafka's consumer-group states that this protocol can be in. */
export type GroupState = "Empty" | "Reconciling" | "Stable";

export interface MemberDescription {
  memberId: string;
  memberEpoch: number;
  topics: string[];
  sessionTimeoutMs: number;
  /** what the member was last told it may own */
  assignments: TopicPartition[];
  /** revoked partitions the member has not yet acknowledged releasing */
  revoking: TopicPartition[];
  /** the partitions the assignor wants this member to own once everything has moved */
  target: TopicPartition[];
  /** server clock, ms since the epoch */
  leaseExpiresAt: number;
}

export interface GroupDescription {
  group: string;
  state: GroupState;
  groupEpoch: number;
  members: MemberDescription[];
  offsets: PartitionOffset[];
}

export type ResetTarget = "earliest" | "latest" | { timestamp: number } | { offset: number };

export interface ResetOptions {
  to: ResetTarget;
  /** default: every topic the group has commits for */
  topics?: string[];
}

export interface ResetResult {
  offsets: (TopicPartition & { offset: number })[];
}
