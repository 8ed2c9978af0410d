/**
 * The group domain's errors: StrataErrors whose details tell the client what to do next. A member that
 * is unknown (never joined, left, expired) or fenced (stale memberEpoch) must drop every partition and
 * rejoin: `details.action === "rejoin"`.
 */
import { StrataError } from "../errors.js";

export function unknownMember(group: string, memberId: string): StrataError {
  return new StrataError("UNKNOWN_MEMBER", `member ${memberId} is not a live member of group ${group}; rejoin`, {
    details: { group, memberId, action: "rejoin" },
  });
}

export function fencedMember(group: string, memberId: string, memberEpoch: number, current: number): StrataError {
  return new StrataError(
    "FENCED_MEMBER",
    `member ${memberId} of group ${group} sent memberEpoch ${memberEpoch}, but its epoch is ${current}; rejoin`,
    { details: { group, memberId, memberEpoch, currentEpoch: current, action: "rejoin" } },
  );
}

export function notOwner(group: string, memberId: string, topic: string, partition: number): StrataError {
  return new StrataError("NOT_OWNER", `member ${memberId} of group ${group} does not own ${topic}/${partition}`, {
    details: { group, memberId, topic, partition, action: "heartbeat" },
  });
}

export function groupNotEmpty(group: string, liveMembers: number): StrataError {
  return new StrataError("GROUP_NOT_EMPTY", `group ${group} has ${liveMembers} live member(s)`, {
    details: { group, liveMembers },
  });
}

export function groupNotFound(group: string): StrataError {
  return new StrataError("GROUP_NOT_FOUND", `group ${group} does not exist`, { details: { group } });
}

/** Too many writers raced on one group for too long; the caller may simply retry. */
export function tooMuchContention(group: string, cause: unknown): StrataError {
  return new StrataError("CONCURRENT_MODIFICATION", `group ${group} kept changing under this request`, {
    retriable: true,
    cause,
    details: { group },
  });
}
