/**
 * The /v1/groups routes: each parses its input (zod), calls the group coordinator and maps the answer.
 * Every rule (fencing, ownership, "no live members" for admin changes) lives in lib/groups; errors reach the
 * client through the one table in problem.ts.
 */
import type { Context, Hono } from "hono";
import type { GroupCoordinator } from "../groups/coordinator.js";
import {
  commitBody,
  groupName,
  heartbeatBody,
  joinBody,
  leaveQuery,
  memberIdName,
  parse,
  resetBody,
} from "./schemas.js";

/** What the routes need of the coordinator (tests may stand in for it). */
export type GroupService = Pick<
  GroupCoordinator,
  | "join"
  | "heartbeat"
  | "leave"
  | "commitOffsets"
  | "fetchOffsets"
  | "listGroups"
  | "describeGroup"
  | "deleteGroup"
  | "resetOffsets"
>;

/** Reads the request body as JSON under the app's size limit (app.ts owns media types and limits). */
export type JsonBody = (c: Context) => Promise<unknown>;

export function groupRoutes(app: Hono, groups: GroupService, jsonBody: JsonBody): void {
  const groupParam = (c: Context) => parse(groupName, c.req.param("group"), "group");
  const memberParam = (c: Context) => parse(memberIdName, c.req.param("memberId"), "memberId");

  app.get("/v1/groups", async (c) => c.json({ groups: await groups.listGroups() }));
  app.get("/v1/groups/:group", async (c) => c.json(await groups.describeGroup(groupParam(c))));
  app.delete("/v1/groups/:group", async (c) => {
    await groups.deleteGroup(groupParam(c));
    return c.body(null, 204);
  });

  // A join is an RPC rather than a resource creation: a join naming a live member starts a new incarnation of it
  // (the old one is fenced), unless it repeats that incarnation's joinId (a retry whose answer was lost).
  app.post("/v1/groups/:group/members", async (c) => {
    const group = groupParam(c);
    return c.json(await groups.join(group, parse(joinBody, await jsonBody(c))));
  });
  app.post("/v1/groups/:group/members/:memberId/heartbeat", async (c) => {
    const group = groupParam(c);
    const memberId = memberParam(c);
    return c.json(await groups.heartbeat(group, memberId, parse(heartbeatBody, await jsonBody(c))));
  });
  app.delete("/v1/groups/:group/members/:memberId", async (c) => {
    const group = groupParam(c);
    const memberId = memberParam(c);
    await groups.leave(group, memberId, parse(leaveQuery, c.req.query(), "query"));
    return c.body(null, 204);
  });

  app.post("/v1/groups/:group/offsets", async (c) => {
    const group = groupParam(c);
    const body = parse(commitBody, await jsonBody(c));
    await groups.commitOffsets(group, body);
    // The answer repeats what is now committed, so a client can log it without keeping the request.
    return c.json({ offsets: body.offsets.map((o) => ({ ...o, metadata: o.metadata ?? "" })) });
  });
  app.get("/v1/groups/:group/offsets", async (c) => c.json(await groups.fetchOffsets(groupParam(c))));
  app.post("/v1/groups/:group/offsets/reset", async (c) => {
    const group = groupParam(c);
    return c.json(await groups.resetOffsets(group, parse(resetBody, await jsonBody(c))));
  });
}
