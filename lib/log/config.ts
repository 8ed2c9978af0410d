/**
 * Topic configuration: Kafka's keys and defaults where they apply. Values are strings, as in Kafka's
 * AdminClient; numbers are accepted for numeric keys. Only overrides are stored; describe shows every key.
 */
import { InvalidArgumentError } from "../errors.js";
import type { TopicConfig } from "./types.js";

type Kind =
  | { type: "long"; min: number; max?: number }
  | { type: "ratio" }
  | { type: "enum"; values: readonly string[]; normalize?: (v: string) => string };

interface KeySpec {
  default: string;
  kind: Kind;
}

/** Long.MAX_VALUE as Kafka writes it; parsed as "no limit". */
const LONG_MAX = "9223372036854775807";

export const CONFIG_KEYS: Record<string, KeySpec> = {
  "retention.ms": { default: "604800000", kind: { type: "long", min: -1 } },
  "retention.bytes": { default: "-1", kind: { type: "long", min: -1 } },
  "cleanup.policy": {
    default: "delete",
    kind: {
      type: "enum",
      values: ["delete", "compact", "compact,delete"],
      // Kafka accepts the list in either order.
      normalize: (v) => (v.replace(/\s/g, "") === "delete,compact" ? "compact,delete" : v.replace(/\s/g, "")),
    },
  },
  "segment.bytes": { default: "1073741824", kind: { type: "long", min: 1024 } },
  // Here it bounds one record's encoded size (issue [core]). At most the request body limit (4 MiB): a larger
  // record could only arrive compressed, and no JSON fetch answer (Lambda: 6 MB) could carry it back.
  "max.message.bytes": { default: "1048576", kind: { type: "long", min: 64, max: 4 * 1024 * 1024 } },
  "delete.retention.ms": { default: "86400000", kind: { type: "long", min: 0 } },
  "min.compaction.lag.ms": { default: "0", kind: { type: "long", min: 0 } },
  "min.cleanable.dirty.ratio": { default: "0.5", kind: { type: "ratio" } },
  "message.timestamp.type": { default: "CreateTime", kind: { type: "enum", values: ["CreateTime", "LogAppendTime"] } },
  "message.timestamp.before.max.ms": { default: LONG_MAX, kind: { type: "long", min: 0 } },
  // Kafka 4.0's default: a far-future timestamp would otherwise hold back time-based retention forever.
  "message.timestamp.after.max.ms": { default: "3600000", kind: { type: "long", min: 0 } },
  // The codec the server uses when it encodes JSON records; "producer" keeps binary batches as sent.
  "compression.type": {
    default: "producer",
    kind: { type: "enum", values: ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"] },
  },
};

/** Own keys only: "constructor" or "__proto__" are not config keys. */
const configSpec = (key: string): KeySpec | undefined =>
  Object.hasOwn(CONFIG_KEYS, key) ? CONFIG_KEYS[key] : undefined;

function normalizeValue(key: string, raw: unknown): string {
  const spec = configSpec(key);
  const field = `config.${key}`;
  if (!spec) throw new InvalidArgumentError(field, `unknown config key "${key}"`);
  const { kind } = spec;
  if (kind.type === "enum") {
    if (typeof raw !== "string") throw new InvalidArgumentError(field, `${key} must be a string`);
    const v = kind.normalize ? kind.normalize(raw) : raw;
    if (!kind.values.includes(v)) {
      throw new InvalidArgumentError(field, `${key} must be one of ${kind.values.join(", ")}; got "${raw}"`);
    }
    return v;
  }
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || text.trim() === "") {
    throw new InvalidArgumentError(field, `${key} must be a number or a numeric string`);
  }
  if (kind.type === "ratio") {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(field, `${key} must be between 0 and 1`);
    return String(n);
  }
  if (text === LONG_MAX) return text;
  if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(field, `${key} must be an integer; got "${text}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(field, `${key} is out of range`);
  if (n < kind.min) throw new InvalidArgumentError(field, `${key} must be at least ${kind.min}`);
  if (kind.max !== undefined && n > kind.max)
    throw new InvalidArgumentError(field, `${key} must be at most ${kind.max}`);
  return String(n);
}

/** Validates overrides; returns them normalized. null (reset) is only valid in updates. */
export function normalizeOverrides(input: Record<string, unknown> | undefined): TopicConfig {
  const out: TopicConfig = {};
  for (const [key, raw] of Object.entries(input ?? {})) out[key] = normalizeValue(key, raw);
  return out;
}

/**
 * Applies an update to stored overrides. null resets a key to the deployment's default for it (`defaults`, as a
 * Kafka topic override removed falls back to the broker's setting), else to Kafka's.
 */
export function applyConfigUpdate(
  current: TopicConfig,
  update: Record<string, unknown>,
  defaults: TopicConfig = {},
): TopicConfig {
  const next: TopicConfig = { ...current };
  for (const [key, raw] of Object.entries(update)) {
    if (raw === null) {
      if (!configSpec(key)) throw new InvalidArgumentError(`config.${key}`, `unknown config key "${key}"`);
      if (Object.hasOwn(defaults, key)) next[key] = defaults[key]!;
      else delete next[key];
    } else next[key] = normalizeValue(key, raw);
  }
  return next;
}

/**
 * The deployment's topic defaults (STRATA_TOPIC_DEFAULTS: a JSON object of Kafka keys), validated like a topic's
 * config. A new topic starts from them; what it is created with wins. Bad input names the variable and the key.
 * @example parseTopicDefaults('{"retention.ms": "86400000"}') // { "retention.ms": "86400000" }
 */
export function parseTopicDefaults(json: string | undefined, source = "STRATA_TOPIC_DEFAULTS"): TopicConfig {
  if (json === undefined || json.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new InvalidArgumentError(source, `${source} is not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(source, `${source} must be a JSON object of topic config keys`);
  }
  try {
    return normalizeOverrides(parsed as Record<string, unknown>);
  } catch (e) {
    if (e instanceof InvalidArgumentError)
      throw new InvalidArgumentError(`${source}.${(e.field ?? "").replace(/^config\./, "")}`, e.message);
    throw e;
  }
}

export function effectiveConfig(overrides: TopicConfig): TopicConfig {
  const out: TopicConfig = {};
  for (const key of Object.keys(CONFIG_KEYS).sort()) out[key] = overrides[key] ?? CONFIG_KEYS[key]!.default;
  return out;
}

/** A numeric config value; Long.MAX_VALUE and -1 ("off") come back as Infinity where `offIsInfinite`. */
export function numericConfig(config: TopicConfig, key: string): number {
  const v = config[key] ?? CONFIG_KEYS[key]?.default;
  if (v === undefined) throw new Error(`no such config key ${key}`);
  if (v === LONG_MAX) return Number.POSITIVE_INFINITY;
  return Number(v);
}
