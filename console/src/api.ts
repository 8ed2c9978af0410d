/**
 * The console's only way to the server: the public HTTP API (/v1/..., docs/API.md), called from the browser with
 * the same requests curl or the SDK would send. Errors arrive as problem+json and are thrown as ApiError, which
 * keeps the problem (its `field` lets a form put the message next to the input at fault). A bearer token, when
 * the user gives one (Connect page), goes with every request; it is kept for the tab's session only.
 */

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  field?: string;
  [member: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}
export interface Topic {
  name: string;
  id: string;
  partitions: PartitionInfo[];
  config: Record<string, string>;
}
export interface Header {
  name: string;
  value: string | null;
}
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Header[];
  /** the fields sent as base64 because their bytes are not UTF-8 (key, value, headers[i]) */
  base64?: string[];
}
export interface FetchAnswer {
  records: FetchedRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}
export interface ProduceRecord {
  key?: string | null;
  value: string | null;
  headers?: Header[];
  partition?: number;
}
export interface ProduceAnswer {
  offsets: { partition: number; offset?: number; error?: Problem }[];
  failed: number;
}
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number | null;
  metadata: string | null;
  highWatermark: number;
  lag: number | null;
}
export interface Member {
  memberId: string;
  memberEpoch: number;
  assignments: { topic: string; partition: number }[];
  revoking?: { topic: string; partition: number }[];
  target?: { topic: string; partition: number }[];
  leaseExpiresAt?: number;
}
export interface Group {
  group: string;
  state: string;
  groupEpoch: number;
  members: Member[];
  offsets: CommittedOffset[];
}
export type ResetTo = "earliest" | "latest" | { timestamp: number } | { offset: number };

const TOKEN_KEY = "strata.console.token";

export function savedToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage refused (private mode): the token lasts until the page is left
  }
}

/** The headers every request carries: the bearer token, when there is one. */
export function authHeaders(): Record<string, string> {
  const token = savedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

const enc = encodeURIComponent;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError({ title: "The server cannot be reached", status: 0, detail: String(e) });
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    const problem: Problem =
      typeof data === "object" && data !== null
        ? { status: res.status, title: res.statusText, ...data }
        : { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: String(data).slice(0, 300) };
    throw new ApiError(problem);
  }
  return data as T;
}

export function recordsPath(topic: string, partition: number, query: Record<string, string | number>): string {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return `/v1/topics/${enc(topic)}/partitions/${partition}/records?${qs}`;
}

export const api = {
  listTopics: () => call<{ topics: string[] }>("GET", "/v1/topics").then((r) => r.topics),
  topic: (topic: string) => call<Topic>("GET", `/v1/topics/${enc(topic)}`),
  createTopic: (name: string, partitions: number) => call<Topic>("POST", "/v1/topics", { name, partitions }),
  updateTopic: (topic: string, update: { partitions?: number; config?: Record<string, string | null> }) =>
    call<Topic>("PATCH", `/v1/topics/${enc(topic)}`, update),
  deleteTopic: (topic: string) => call<void>("DELETE", `/v1/topics/${enc(topic)}`),
  fetch: (topic: string, partition: number, query: Record<string, string | number>) =>
    call<FetchAnswer>("GET", recordsPath(topic, partition, query)),
  produce: (topic: string, records: ProduceRecord[], encoding: "utf8" | "base64") =>
    call<ProduceAnswer>("POST", `/v1/topics/${enc(topic)}/records`, { records, encoding }),
  listGroups: () => call<{ groups: string[] }>("GET", "/v1/groups").then((r) => r.groups),
  group: (group: string) => call<Group>("GET", `/v1/groups/${enc(group)}`),
  resetOffsets: (group: string, to: ResetTo, topics: string[]) =>
    call<{ offsets: { topic: string; partition: number; offset: number }[] }>(
      "POST",
      `/v1/groups/${enc(group)}/offsets/reset`,
      { to, topics },
    ),
};

let metricsProbe: Promise<string | undefined> | undefined;
let metricsServed = true;

/**
 * GET /metrics (Prometheus text) when this server serves it, else undefined. A server without it is asked once
 * per page load: the console then shows what it computes from offsets alone.
 */
export function serverMetrics(): Promise<string | undefined> {
  if (!metricsServed) return Promise.resolve(undefined);
  metricsProbe ??= fetch("/metrics", { headers: { accept: "text/plain", ...authHeaders() } })
    .then(async (res) => {
      const type = res.headers.get("content-type") ?? "";
      if (!res.ok || !type.startsWith("text/plain")) {
        if (res.status === 404) metricsServed = false;
        return undefined;
      }
      return res.text();
    })
    .catch(() => undefined)
    .finally(() => {
      metricsProbe = undefined;
    });
  return metricsProbe;
}
