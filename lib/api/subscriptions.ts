/**
 * The /v1/subscriptions routes: each parses its input (zod), calls the subscription service (lib/subscriptions)
 * and maps the answer. A PUT declares or replaces (201 or 200) and is the only answer carrying the webhook secret.
 */
import type { Context, Hono } from "hono";
import type { SubscriptionService } from "../subscriptions/service.js";
import type { SubscriptionSpec } from "../subscriptions/types.js";
import type { JsonBody } from "./groups.js";
import { parse } from "./schemas.js";
import { subscriptionBody, subscriptionName } from "./subscription-schemas.js";

/** What the routes need of the service (tests may stand in for it). */
export type SubscriptionRoutesService = Pick<SubscriptionService, "put" | "status" | "list" | "delete">;

export function subscriptionRoutes(app: Hono, subscriptions: SubscriptionRoutesService, jsonBody: JsonBody): void {
  const nameParam = (c: Context) => parse(subscriptionName, c.req.param("subscription"), "subscription");

  app.get("/v1/subscriptions", async (c) => c.json({ subscriptions: await subscriptions.list() }));
  app.put("/v1/subscriptions/:subscription", async (c) => {
    const name = nameParam(c);
    const spec = parse(subscriptionBody, await jsonBody(c)) as SubscriptionSpec;
    const { subscription, created } = await subscriptions.put(name, spec);
    return c.json(subscription, created ? 201 : 200);
  });
  app.get("/v1/subscriptions/:subscription", async (c) => c.json(await subscriptions.status(nameParam(c))));
  app.delete("/v1/subscriptions/:subscription", async (c) => {
    await subscriptions.delete(nameParam(c));
    return c.body(null, 204);
  });
}
