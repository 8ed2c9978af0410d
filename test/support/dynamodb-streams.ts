/**
 * A minimal DynamoDB Streams reader for tests (the SDK's streams client is not a dependency): DescribeStream,
 * GetShardIterator and GetRecords over the JSON protocol, SigV4-signed with the emulator's credentials, and the
 * records in the shape a Lambda event source mapping delivers them. Also Lambda's event-filter matching for the
 * patterns Strata uses (exact values and `prefix`), so a test applies the deployed filter to real records.
 */
import { createHash, createHmac } from "node:crypto";
import { DescribeTableCommand, type DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";

export type StreamRecord = Record<string, unknown> & { dynamodb: { Keys: Record<string, { S?: string }> } };

/** Turns on a KEYS_ONLY stream (as the CDK construct does) and answers its ARN. */
export async function enableStream(dynamodb: DynamoDBClient, table: string): Promise<string> {
  await dynamodb.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }),
  );
  const d = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const arn = d.Table?.LatestStreamArn;
  if (!arn) throw new Error("the table has no stream after UpdateTable");
  return arn;
}

function sign(
  body: string,
  target: string,
  url: URL,
  region: string,
  key: { accessKeyId: string; secretAccessKey: string },
) {
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const hash = (s: string) => createHash("sha256").update(s).digest("hex");
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.0",
    host: url.host,
    "x-amz-date": amzDate,
    "x-amz-target": target,
  };
  const names = Object.keys(headers).sort();
  const canonical = ["POST", "/", "", ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), hash(body)].join(
    "\n",
  );
  const scope = `${day}/${region}/dynamodb/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, hash(canonical)].join("\n");
  let k: Buffer = createHmac("sha256", `AWS4${key.secretAccessKey}`).update(day).digest();
  for (const part of [region, "dynamodb", "aws4_request"]) k = createHmac("sha256", k).update(part).digest();
  const signature = createHmac("sha256", k).update(toSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}

async function call(action: string, input: unknown): Promise<Record<string, unknown>> {
  const env = inject("aws");
  const url = new URL(env.dynamodb);
  const body = JSON.stringify(input);
  const key = env.credentials ?? {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
  };
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: sign(body, `DynamoDBStreams_20120810.${action}`, url, env.region, key),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Every record of every shard of the stream so far, as a Lambda event record. */
export async function readStream(streamArn: string): Promise<StreamRecord[]> {
  const d = (await call("DescribeStream", { StreamArn: streamArn })) as {
    StreamDescription: { Shards: { ShardId: string }[] };
  };
  const out: StreamRecord[] = [];
  for (const shard of d.StreamDescription.Shards) {
    const it = (await call("GetShardIterator", {
      StreamArn: streamArn,
      ShardId: shard.ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    })) as { ShardIterator?: string };
    let iterator = it.ShardIterator;
    for (let page = 0; iterator && page < 50; page++) {
      const r = (await call("GetRecords", { ShardIterator: iterator })) as {
        Records: StreamRecord[];
        NextShardIterator?: string;
      };
      out.push(...r.Records.map((x) => ({ ...x, eventSource: "aws:dynamodb", eventSourceARN: streamArn })));
      if (r.Records.length === 0) break;
      iterator = r.NextShardIterator;
    }
  }
  return out;
}

/** Lambda's event filtering for the operators Strata's filter uses: a list of exact values or `{ prefix }`. */
export function matchesFilter(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) =>
      typeof p === "object" && p !== null && "prefix" in p
        ? typeof value === "string" && value.startsWith(String((p as { prefix: string }).prefix))
        : p === value,
    );
  }
  if (typeof pattern === "object" && pattern !== null) {
    if (typeof value !== "object" || value === null) return false;
    return Object.entries(pattern).every(([k, p]) => matchesFilter(p, (value as Record<string, unknown>)[k]));
  }
  return false;
}
