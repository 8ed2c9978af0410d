/**
 * Kafka's view of Strata's configuration, for DescribeConfigs / AlterConfigs / IncrementalAlterConfigs and the
 * configs CreateTopics takes and answers. Topic keys and defaults are lib/log/config.ts's; this module adds what
 * Kafka's admin API says about each (type, source, read-only) and the replication settings a Kafka client may
 * send, which are accepted and ignored (every partition is stored once, durably, in the object store).
 *
 * Sources: a key the topic stores is DYNAMIC_TOPIC_CONFIG; any other shows Kafka's default as DEFAULT_CONFIG.
 * STRATA_TOPIC_DEFAULTS are copied into a topic when it is created, so they show as the topic's own overrides.
 */
import { InvalidArgumentError } from "../errors.js";
import { CONFIG_KEYS } from "../log/config.js";
import type { TopicConfig } from "../log/types.js";

/** Kafka's ConfigSource ids (DescribeConfigs v1+) */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** Kafka's ConfigType ids (DescribeConfigs v3+) */
const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** Kafka's resource types */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

const TOPIC_KEY_TYPES: Record<string, number> = {
  "retention.ms": ConfigType.LONG,
  "retention.bytes": ConfigType.LONG,
  "cleanup.policy": ConfigType.LIST,
  "segment.bytes": ConfigType.INT,
  "max.message.bytes": ConfigType.INT,
  "delete.retention.ms": ConfigType.LONG,
  "min.compaction.lag.ms": ConfigType.LONG,
  "min.cleanable.dirty.ratio": ConfigType.DOUBLE,
  "message.timestamp.type": ConfigType.STRING,
  "message.timestamp.before.max.ms": ConfigType.LONG,
  "message.timestamp.after.max.ms": ConfigType.LONG,
  "compression.type": ConfigType.STRING,
};

/**
 * Replication settings: accepted in CreateTopics and the alter APIs so that tools which always send them work,
 * never stored; DescribeConfigs shows them read-only at the value that describes this service (one copy, durable).
 */
const REPLICATION_KEYS: Record<string, { value: string; type: number; check: (v: string) => boolean }> = {
  "min.insync.replicas": { value: "1", type: ConfigType.INT, check: (v) => /^\d+$/.test(v) && Number(v) >= 1 },
  "unclean.leader.election.enable": {
    value: "false",
    type: ConfigType.BOOLEAN,
    check: (v) => v === "true" || v === "false",
  },
};

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

const entry = (
  name: string,
  value: string,
  source: number,
  type: number,
  readOnly: boolean,
  synonyms: ConfigEntry["synonyms"],
): ConfigEntry => ({
  name,
  value,
  readOnly,
  isDefault: source === ConfigSource.DEFAULT_CONFIG,
  configSource: source,
  isSensitive: false,
  synonyms,
  configType: type,
  documentation: null,
});

/** Every topic config key with its value and source, from the topic's stored overrides. */
export function topicConfigEntries(overrides: TopicConfig, withSynonyms: boolean): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const key of Object.keys(CONFIG_KEYS).sort()) {
    const fallback = CONFIG_KEYS[key]!.default;
    const own = Object.hasOwn(overrides, key) ? overrides[key] : undefined;
    const synonyms: ConfigEntry["synonyms"] = [];
    if (withSynonyms) {
      if (own !== undefined) synonyms.push({ name: key, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      synonyms.push({ name: key, value: fallback, source: ConfigSource.DEFAULT_CONFIG });
    }
    const source = own !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG;
    out.push(entry(key, own ?? fallback, source, TOPIC_KEY_TYPES[key] ?? ConfigType.STRING, false, synonyms));
  }
  for (const [key, r] of Object.entries(REPLICATION_KEYS)) {
    const synonyms = withSynonyms ? [{ name: key, value: r.value, source: ConfigSource.DEFAULT_CONFIG }] : [];
    out.push(entry(key, r.value, ConfigSource.DEFAULT_CONFIG, r.type, true, synonyms));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The broker resource: what a Kafka user looks up there, all fixed by the deployment (read-only). */
export function brokerConfigEntries(
  brokerId: number,
  settings: { autoCreatePartitions: number | undefined },
  withSynonyms: boolean,
): ConfigEntry[] {
  const fixed = (name: string, value: string, type: number, source: number = ConfigSource.DEFAULT_CONFIG) =>
    entry(name, value, source, type, true, withSynonyms ? [{ name, value, source }] : []);
  const auto = settings.autoCreatePartitions;
  const staticOr = (set: boolean) => (set ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG);
  const d = (key: string) => CONFIG_KEYS[key]!.default;
  return [
    fixed("auto.create.topics.enable", auto !== undefined ? "true" : "false", ConfigType.BOOLEAN, staticOr(!!auto)),
    fixed("broker.id", String(brokerId), ConfigType.INT, ConfigSource.STATIC_BROKER_CONFIG),
    fixed("compression.type", d("compression.type"), ConfigType.STRING),
    fixed("default.replication.factor", "1", ConfigType.INT),
    fixed("delete.topic.enable", "true", ConfigType.BOOLEAN),
    fixed("log.cleanup.policy", d("cleanup.policy"), ConfigType.LIST),
    fixed("log.retention.bytes", d("retention.bytes"), ConfigType.LONG),
    fixed("log.retention.ms", d("retention.ms"), ConfigType.LONG),
    fixed("log.segment.bytes", d("segment.bytes"), ConfigType.INT),
    fixed("message.max.bytes", d("max.message.bytes"), ConfigType.INT),
    fixed("min.insync.replicas", "1", ConfigType.INT),
    fixed("num.partitions", String(auto ?? 1), ConfigType.INT, staticOr(!!auto)),
  ];
}

/** Drops the replication settings (after checking their values), leaving the keys Strata stores. */
export function withoutReplicationKeys(configs: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(configs)) {
    const r = Object.hasOwn(REPLICATION_KEYS, key) ? REPLICATION_KEYS[key] : undefined;
    if (!r) {
      out[key] = value;
      continue;
    }
    if (value !== null && !r.check(value)) {
      throw new InvalidArgumentError(`config.${key}`, `invalid value "${value}" for ${key}`);
    }
  }
  return out;
}

/** The list-typed topic keys (IncrementalAlterConfigs APPEND and SUBTRACT apply to them alone). */
export const isListKey = (key: string): boolean => TOPIC_KEY_TYPES[key] === ConfigType.LIST;
