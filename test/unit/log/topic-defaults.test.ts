/**
 * Deployment-wide topic defaults (STRATA_TOPIC_DEFAULTS; the CDK construct's topicDefaults prop): a new topic starts
 * from them, its own config wins, and resetting a key returns to the deployment's value, as a Kafka topic override
 * removed falls back to the broker's setting.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../lib/errors.js";
import { parseTopicDefaults } from "../../../lib/log/config.js";
import { createLog } from "../../../lib/log/log.js";
import { type EmbeddedStorage, openEmbeddedStorage } from "../../../lib/storage/data-dir.js";

let dir: string;
let storage: EmbeddedStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "strata-defaults-"));
  storage = await openEmbeddedStorage(dir, { fsync: "never" });
});
afterEach(async () => {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

it("starts new topics from the defaults; a topic's own config wins; a reset returns to the default", async () => {
  const topicDefaults = parseTopicDefaults('{"retention.ms": "3600000", "cleanup.policy": "compact"}');
  const log = createLog({ ledger: storage.ledger, store: storage.store, options: { topicDefaults } });
  const plain = await log.createTopic("plain", 1);
  expect(plain.config["retention.ms"]).toBe("3600000");
  expect(plain.config["cleanup.policy"]).toBe("compact");
  expect(plain.config["segment.bytes"]).toBe("1073741824"); // Kafka's, where the deployment says nothing
  const own = await log.createTopic("own", 1, { "retention.ms": 60_000 });
  expect(own.config["retention.ms"]).toBe("60000");
  const reset = await log.updateTopic("own", { config: { "retention.ms": null, "segment.bytes": null } });
  expect(reset.config["retention.ms"]).toBe("3600000");
  expect(reset.config["segment.bytes"]).toBe("1073741824");
  // topics created before (or by a deployment without defaults) keep what they were created with
  const other = createLog({ ledger: storage.ledger, store: storage.store });
  expect((await other.describeTopic("plain")).config["retention.ms"]).toBe("3600000");
  await log.close();
  await other.close();
});

it("refuses bad defaults, naming the variable and the key", () => {
  const fieldOf = (json: string) => {
    try {
      parseTopicDefaults(json);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      return (e as InvalidArgumentError).field;
    }
    return "accepted";
  };
  expect(fieldOf("{not json")).toBe("STRATA_TOPIC_DEFAULTS");
  expect(fieldOf("[1]")).toBe("STRATA_TOPIC_DEFAULTS");
  expect(fieldOf('{"retention.ms": "soon"}')).toBe("STRATA_TOPIC_DEFAULTS.retention.ms");
  expect(fieldOf('{"no.such.key": "1"}')).toBe("STRATA_TOPIC_DEFAULTS.no.such.key");
  expect(parseTopicDefaults(undefined)).toEqual({});
  expect(parseTopicDefaults("")).toEqual({});
  expect(() =>
    createLog({ ledger: storage.ledger, store: storage.store, options: { topicDefaults: { "x.y": "1" } } }),
  ).toThrow(InvalidArgumentError);
});
