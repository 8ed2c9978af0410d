/**
 * `strata subscriptions ...`: declare (put), list, describe and delete push subscriptions (docs/SUBSCRIPTIONS.md).
 * Registered by cli.ts; shares its connection, output and error conventions (bad usage exits 2).
 */
import type { Command } from "commander";
import { InvalidInputError } from "./errors.js";
import type { Strata } from "./index.js";
import { type SubscriptionSpec, Subscriptions } from "./subscriptions.js";

export interface SubscriptionCommandsContext {
  sub: (cmd: Command) => Command;
  client: () => Strata;
  out: (s: string) => void;
}

interface PutOptions {
  topic: string[];
  group?: string;
  webhook?: string;
  secret?: string;
  lambda?: string;
  batchSize?: string;
  batchWindowMs?: string;
  maxRetries?: string;
  maxRecordAgeMs?: string;
  bisectOnError?: boolean;
  deadLetterTopic?: string;
  startFrom?: string;
  json?: boolean;
}

export function subscriptionCommands(program: Command, { sub, client, out }: SubscriptionCommandsContext): void {
  const subs = () => new Subscriptions(client().http);
  const root = sub(
    program
      .command("subscriptions")
      .description("declare, list, describe and delete push delivery to webhooks and functions"),
  );
  sub(root.command("put <name>"))
    .description("declare or replace a subscription (prints the webhook secret once)")
    .option("--topic <topic>", "a topic to deliver (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--group <group>", "the group recording progress (default: the subscription's name)")
    .option("--webhook <url>", "deliver by POST to this https:// URL")
    .option("--secret <secret>", "the webhook's signing secret (default: generated)")
    .option("--lambda <arn>", "deliver by invoking this Lambda function")
    .option("--batch-size <n>", "records per call (default 100)")
    .option("--batch-window-ms <ms>", "wait this long to fill a batch (default 0)")
    .option("--max-retries <n>", "retries before dead-lettering (default -1: until success)")
    .option("--max-record-age-ms <ms>", "dead-letter records older than this (default -1: no limit)")
    .option("--bisect-on-error", "split failing batches to isolate a bad record")
    .option("--dead-letter-topic <topic>", "where failed records go")
    .option("--start-from <where>", "earliest | latest (default latest)")
    .option("--json", "print JSON")
    .action(async (name: string, o: PutOptions) => {
      const s = await subs().put(name, specOf(name, o));
      if (o.json) return out(`${JSON.stringify(s)}\n`);
      out(`subscription ${s.name}: ${s.topics.join(", ")} -> ${targetText(s.target)} (group ${s.group})\n`);
      if (s.target.type === "webhook" && s.target.secret) out(`secret: ${s.target.secret}\n`);
    });
  sub(root.command("list"))
    .description("list subscriptions")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const list = await subs().list();
      if (o.json) return out(`${JSON.stringify(list)}\n`);
      for (const s of list) out(`${s.name}\t${s.topics.join(",")}\t${targetText(s.target)}\n`);
    });
  sub(root.command("describe <name>"))
    .description("the declaration and its group's lag per partition")
    .option("--json", "print JSON")
    .action(async (name: string, o: { json?: boolean }) => {
      const d = await subs().describe(name);
      if (o.json) return out(`${JSON.stringify(d)}\n`);
      const s = d.subscription;
      out(`subscription ${s.name} -> ${targetText(s.target)}, group ${s.group}, batch ${s.batchSize}\n`);
      out("TOPIC\tPARTITION\tOFFSET\tHIGH-WATERMARK\tLAG\n");
      for (const p of d.offsets)
        out(`${p.topic}\t${p.partition}\t${p.offset ?? "-"}\t${p.highWatermark}\t${p.lag ?? "-"}\n`);
    });
  sub(root.command("delete <name>"))
    .description("stop delivery (the group keeps its offsets)")
    .action(async (name: string) => {
      await subs().delete(name);
      out(`deleted subscription ${name}\n`);
    });
}

function specOf(name: string, o: PutOptions): SubscriptionSpec {
  if (o.topic.length === 0) throw new InvalidInputError("put: give at least one --topic");
  if ((o.webhook === undefined) === (o.lambda === undefined)) {
    throw new InvalidInputError("put: give exactly one of --webhook and --lambda");
  }
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw new InvalidInputError(`${flag}: expected an integer, got "${v}"`);
    return Number(v);
  };
  if (o.startFrom !== undefined && o.startFrom !== "earliest" && o.startFrom !== "latest") {
    throw new InvalidInputError(`--start-from: earliest or latest, got "${o.startFrom}"`);
  }
  const optional = {
    batchSize: num("--batch-size", o.batchSize),
    batchWindowMs: num("--batch-window-ms", o.batchWindowMs),
    maxRetries: num("--max-retries", o.maxRetries),
    maxRecordAgeMs: num("--max-record-age-ms", o.maxRecordAgeMs),
    bisectOnError: o.bisectOnError,
    deadLetterTopic: o.deadLetterTopic,
    startFrom: o.startFrom as SubscriptionSpec["startFrom"],
  };
  return {
    topics: o.topic,
    group: o.group ?? name,
    target:
      o.webhook !== undefined
        ? { type: "webhook", url: o.webhook, ...(o.secret ? { secret: o.secret } : {}) }
        : { type: "lambda", functionArn: o.lambda! },
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

const targetText = (t: SubscriptionSpec["target"]) => (t.type === "webhook" ? t.url : t.functionArn);
