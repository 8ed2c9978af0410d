/** A service that accepts the connection and never answers: the SDK gives up, the adapter says retriable. */
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAwsClients } from "../../../lib/storage/aws-clients.js";
import { DynamoDbLedger } from "../../../lib/storage/dynamodb-ledger.js";

const sockets: Socket[] = [];
const silent = createServer((socket) => {
  sockets.push(socket);
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

it("a request to a silent endpoint times out as a retriable UNAVAILABLE after the SDK's attempts", async () => {
  const { dynamodb, s3 } = createAwsClients({
    dynamodbEndpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 2,
    requestTimeoutMs: 500,
  });
  s3.destroy();
  const ledger = new DynamoDbLedger({ client: dynamodb, table: "t" });
  try {
    const error = await ledger.get({ pk: "a", sk: "b" }).catch((e) => e);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retriable: true });
    expect(sockets.length).toBe(2);
  } finally {
    dynamodb.destroy();
  }
});
