/**
 * Ledger on DynamoDB: a thin translation of the port, which was shaped after DynamoDB.
 *
 * Table: pk (S, HASH), sk (S, RANGE); item attributes are top-level DynamoDB attributes (so they can be
 * read in the console and used by TTL). Every expression goes through placeholders (#n0.., :v0..), so
 * attribute names that are DynamoDB reserved words (size, name, status, ttl...) are safe.
 *
 * Every read is ConsistentRead. Condition failures come back with the current item
 * (ReturnValuesOnConditionCheckFailure=ALL_OLD), so callers need no second read.
 *
 * Retries: the SDK retries throttling and transient failures (standard mode). This adapter also marks
 * transactions cancelled only by conflicts or throttling as retriable for the SDK (they wrote nothing, so a
 * replay is safe). Whatever still fails reaches the caller as a retriable StrataError (THROTTLED,
 * CONCURRENT_MODIFICATION, UNAVAILABLE); other failures are non-retriable.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { convertToAttr, marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { FinalizeRequestMiddleware, MetadataBearer } from "@smithy/types";
import { StrataError } from "../errors.js";
import { transientAwsError, unexpectedAwsError } from "./aws-errors.js";
import {
  type Attrs,
  type AttrValue,
  type Condition,
  ConditionFailedError,
  type ConditionFailure,
  type Item,
  type ItemKey,
  type Ledger,
  type QueryOptions,
  type WriteOp,
} from "./ledger.js";
import { matchesSortKey, sortKeyRange, validateTransaction } from "./ledger-model.js";

/** The attribute DynamoDB's TTL deletes items by (seconds since the epoch). */
export const TTL_ATTRIBUTE = "ttl";

export interface DynamoDbLedgerOptions {
  client: DynamoDBClient;
  table: string;
}

type AttributeMap = Record<string, AttributeValue>;

/**
 * @example
 * const ledger = new DynamoDbLedger({ client: new DynamoDBClient({}), table: "strata" });
 * await ledger.write({ type: "put", key: { pk: "topic#orders", sk: "meta" }, attrs: { partitions: 3 },
 *   condition: { op: "notExists" } });
 */
export class DynamoDbLedger implements Ledger {
  private readonly client: DynamoDBClient;
  private readonly table: string;

  constructor(options: DynamoDbLedgerOptions) {
    this.client = options.client;
    this.table = options.table;
    installConflictRetry(this.client);
  }

  async get(key: ItemKey): Promise<Item | undefined> {
    try {
      const res = await this.client.send(
        new GetItemCommand({ TableName: this.table, Key: keyAttrs(key), ConsistentRead: true }),
      );
      return res.Item ? toItem(res.Item) : undefined;
    } catch (error) {
      throw mapError(error, "GetItem");
    }
  }

  async query(pk: string, options: QueryOptions = {}): Promise<Item[]> {
    const limit = options.limit;
    if (limit !== undefined && limit <= 0) return [];
    const plan = planSortKeyCondition(options);
    if (plan.empty) return [];
    const expr = new Expressions();
    const pkName = expr.name("pk");
    const pkValue = expr.value(pk);
    const keyCondition = `${pkName} = ${pkValue}${plan.render ? ` AND ${plan.render(expr.name("sk"), expr)}` : ""}`;
    const items: Item[] = [];
    let startKey: AttributeMap | undefined;
    try {
      do {
        const input: QueryCommandInput = {
          TableName: this.table,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: expr.names,
          ExpressionAttributeValues: expr.values,
          ConsistentRead: true,
          ScanIndexForward: !options.reverse,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          // The key range may include the (at most two) excluded endpoints of exclusive bounds: ask for them too.
          ...(limit !== undefined ? { Limit: limit - items.length + plan.slack } : {}),
        };
        const res = await this.client.send(new QueryCommand(input));
        for (const raw of res.Items ?? []) {
          const item = toItem(raw);
          if (matchesSortKey(item.sk, options)) items.push(item);
          if (limit !== undefined && items.length >= limit) return items;
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw mapError(error, "Query");
    }
    return items;
  }

  async write(op: WriteOp): Promise<void> {
    // A lone condition check has no single-item API: it is a transaction of one ConditionCheck.
    if (op.type === "check") return this.transact([op]);
    const operation = op.type === "put" ? "PutItem" : op.type === "update" ? "UpdateItem" : "DeleteItem";
    try {
      await this.sendSingle(op);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConditionFailedError([failure(error.Item)], error);
      }
      throw mapError(error, operation);
    }
  }

  async transact(ops: WriteOp[]): Promise<void> {
    if (ops.length === 0) return;
    // DynamoDB rejects too many operations or two on one key with a ValidationException, but DynamoDB Local
    // evaluates the conditions instead: checking here gives the same answer everywhere, without a request.
    validateTransaction(ops, false);
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: ops.map((op) => this.transactItem(op)) }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw cancellationError(error);
      throw mapError(error, "TransactWriteItems");
    }
  }

  private async sendSingle(op: Exclude<WriteOp, { type: "check" }>): Promise<void> {
    const r = renderWrite(op);
    const common = {
      TableName: this.table,
      ...r.expressions,
      ...(r.condition ? { ConditionExpression: r.condition } : {}),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    if (op.type === "put") await this.client.send(new PutItemCommand({ ...common, Item: r.item }));
    else if (op.type === "delete") await this.client.send(new DeleteItemCommand({ ...common, Key: keyAttrs(op.key) }));
    else
      await this.client.send(new UpdateItemCommand({ ...common, Key: keyAttrs(op.key), UpdateExpression: r.update }));
  }

  private transactItem(op: WriteOp): TransactWriteItem {
    const r = renderWrite(op);
    const common = {
      TableName: this.table,
      ...r.expressions,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    const condition = r.condition ? { ConditionExpression: r.condition } : {};
    switch (op.type) {
      case "put":
        return { Put: { ...common, ...condition, Item: r.item } };
      case "delete":
        return { Delete: { ...common, ...condition, Key: keyAttrs(op.key) } };
      case "update":
        return { Update: { ...common, ...condition, Key: keyAttrs(op.key), UpdateExpression: r.update! } };
      case "check":
        return { ConditionCheck: { ...common, ConditionExpression: r.condition!, Key: keyAttrs(op.key) } };
    }
  }
}

/**
 * Create the ledger table (on-demand billing, TTL on "ttl") and wait until it is active.
 *
 * @example
 * await createLedgerTable(new DynamoDBClient({ endpoint: "http://127.0.0.1:8000" }), "strata-test");
 */
export async function createLedgerTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: table });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Expressions

/** Placeholder allocator: one per request, so names/values are always #n0.. and :v0.. */
class Expressions {
  readonly names: Record<string, string> = {};
  readonly values: AttributeMap = {};
  private readonly nameIds = new Map<string, string>();
  private valueCount = 0;

  name(attr: string): string {
    let id = this.nameIds.get(attr);
    if (!id) {
      id = `#n${this.nameIds.size}`;
      this.nameIds.set(attr, id);
      this.names[id] = attr;
    }
    return id;
  }

  value(v: AttrValue): string {
    const id = `:v${this.valueCount++}`;
    this.values[id] = convertToAttr(v, { removeUndefinedValues: true });
    return id;
  }

  /** Only the parts DynamoDB accepts: it rejects empty maps. */
  get params(): ExpressionParams {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

const COMPARATORS = { eq: "=", ne: "<>", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

function renderCondition(c: Condition, expr: Expressions): string {
  switch (c.op) {
    case "exists":
      return `attribute_exists(${expr.name("pk")})`;
    case "notExists":
      return `attribute_not_exists(${expr.name("pk")})`;
    case "attrExists":
      return `attribute_exists(${expr.name(c.attr)})`;
    case "attrNotExists":
      return `attribute_not_exists(${expr.name(c.attr)})`;
    case "and":
    case "or": {
      // DynamoDB has no literal true/false: an empty AND is a tautology, an empty OR a contradiction.
      if (c.conditions.length === 0) {
        const pk = expr.name("pk");
        return c.op === "and"
          ? `(attribute_exists(${pk}) OR attribute_not_exists(${pk}))`
          : `(attribute_exists(${pk}) AND attribute_not_exists(${pk}))`;
      }
      const joiner = c.op === "and" ? " AND " : " OR ";
      return `(${c.conditions.map((x) => renderCondition(x, expr)).join(joiner)})`;
    }
    default:
      return `${expr.name(c.attr)} ${COMPARATORS[c.op]} ${expr.value(c.value)}`;
  }
}

interface ExpressionParams {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: AttributeMap;
}

interface RenderedWrite {
  expressions: ExpressionParams;
  condition?: string;
  item?: AttributeMap;
  update?: string;
}

function renderWrite(op: WriteOp): RenderedWrite {
  const expr = new Expressions();
  let item: AttributeMap | undefined;
  let update: string | undefined;
  if (op.type === "put") item = { ...marshall(op.attrs, { removeUndefinedValues: true }), ...keyAttrs(op.key) };
  if (op.type === "update") update = renderUpdate(op, expr);
  const condition = op.condition ? renderCondition(op.condition, expr) : undefined;
  return {
    expressions: expr.params,
    ...(condition ? { condition } : {}),
    ...(item ? { item } : {}),
    ...(update ? { update } : {}),
  };
}

function renderUpdate(op: Extract<WriteOp, { type: "update" }>, expr: Expressions): string {
  const clauses: string[] = [];
  const set = Object.entries(op.set ?? {}).map(([k, v]) => `${expr.name(k)} = ${expr.value(v)}`);
  if (set.length) clauses.push(`SET ${set.join(", ")}`);
  const add = Object.entries(op.add ?? {}).map(([k, v]) => `${expr.name(k)} ${expr.value(v)}`);
  if (add.length) clauses.push(`ADD ${add.join(", ")}`);
  const remove = (op.remove ?? []).map((k) => expr.name(k));
  if (remove.length) clauses.push(`REMOVE ${remove.join(", ")}`);
  // An update with nothing to change still creates the item (the port's upsert); transactions require an
  // UpdateExpression, so remove an attribute no item has.
  if (clauses.length === 0) clauses.push(`REMOVE ${expr.name("__strata_noop__")}`);
  return clauses.join(" ");
}

// ---------------------------------------------------------------------------------------------------------
// Query planning: DynamoDB accepts one sort key condition (=, <, <=, >, >=, BETWEEN, begins_with).

interface SortKeyPlan {
  /** the bounds cannot match anything: no request */
  empty: boolean;
  render?: (sk: string, expr: Expressions) => string;
  /** extra items the key condition may return that the client-side check drops (inclusive endpoints) */
  slack: number;
}

/**
 * The options become one range (ledger-model's sortKeyRange: begins_with(P) is [P, P')), which is
 * sent as the key condition (BETWEEN is inclusive, so an exclusive endpoint is dropped client-side: at most
 * one item per endpoint, because sort keys are unique under a pk), and `matchesSortKey` re-checks every
 * option on the client. The key range is never narrower than the answer, and never wider than it by more
 * than its two endpoints, so paging and limits stay exact and cheap.
 */
export function planSortKeyCondition(o: QueryOptions): SortKeyPlan {
  const hasBounds = o.gt !== undefined || o.gte !== undefined || o.lt !== undefined || o.lte !== undefined;
  if (!hasBounds) {
    if (!o.beginsWith) return { empty: false, slack: 0 };
    const prefix = o.beginsWith;
    return { empty: false, slack: 0, render: (sk, expr) => `begins_with(${sk}, ${expr.value(prefix)})` };
  }
  const { empty, lower: lo, upper: hi } = sortKeyRange(o);
  if (empty) return { empty: true, slack: 0 };
  if (lo && hi) {
    const slack = (lo.inclusive ? 0 : 1) + (hi.inclusive ? 0 : 1);
    return {
      empty: false,
      slack,
      render: (sk, expr) => `${sk} BETWEEN ${expr.value(lo.value)} AND ${expr.value(hi.value)}`,
    };
  }
  const only = (lo ?? hi)!;
  const op = lo ? (only.inclusive ? ">=" : ">") : only.inclusive ? "<=" : "<";
  return { empty: false, slack: 0, render: (sk, expr) => `${sk} ${op} ${expr.value(only.value)}` };
}

// ---------------------------------------------------------------------------------------------------------
// Items and errors

function keyAttrs(key: ItemKey): AttributeMap {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function toItem(raw: AttributeMap): Item {
  const { pk, sk, ...attrs } = unmarshall(raw) as Attrs & { pk: string; sk: string };
  return { pk, sk, attrs };
}

function failure(raw: AttributeMap | undefined): ConditionFailure {
  return raw && Object.keys(raw).length > 0 ? { failed: true, item: toItem(raw) } : { failed: true };
}

const CONFLICT_CODES = new Set(["TransactionConflict"]);
const THROTTLE_CODES = new Set(["ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"]);

/** Per operation: did its condition fail, and the item now. Conflicts/throttling win over nothing else. */
function cancellationError(error: TransactionCanceledException): StrataError {
  const reasons = error.CancellationReasons ?? [];
  if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) {
    return new ConditionFailedError(
      reasons.map((r) => (r.Code === "ConditionalCheckFailed" ? failure(r.Item) : { failed: false })),
      error,
    );
  }
  if (reasons.some((r) => CONFLICT_CODES.has(r.Code ?? ""))) {
    return new StrataError("CONCURRENT_MODIFICATION", "the transaction conflicted with another write", {
      retriable: true,
      cause: error,
    });
  }
  if (reasons.some((r) => THROTTLE_CODES.has(r.Code ?? ""))) {
    return new StrataError("THROTTLED", "the transaction was throttled", { retriable: true, cause: error });
  }
  const codes = reasons.map((r) => r.Code ?? "?").join(",");
  if (reasons.some((r) => r.Code === "ValidationError")) {
    return new StrataError("INVALID_ARGUMENT", `the transaction was rejected: ${codes}`, {
      cause: error,
      details: { field: "ops" },
    });
  }
  return unexpectedAwsError(error, `TransactWriteItems (${codes})`);
}

function mapError(error: unknown, operation: string): StrataError {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === "TransactionConflictException") {
    return new StrataError("CONCURRENT_MODIFICATION", `${operation} conflicted with a transaction`, {
      retriable: true,
      cause: error,
    });
  }
  if (name === "ValidationException") {
    return new StrataError("INVALID_ARGUMENT", `${operation} was rejected: ${(error as Error).message}`, {
      cause: error,
      details: { field: "ledger" },
    });
  }
  return transientAwsError(error, operation) ?? unexpectedAwsError(error, operation);
}

// ---------------------------------------------------------------------------------------------------------
// SDK retry for cancelled transactions

const CONFLICT_RETRY_MIDDLEWARE = "strataConflictRetry";

type RelativeMiddleware = FinalizeRequestMiddleware<object, MetadataBearer>;

/**
 * The SDK does not retry a TransactionCanceledException (HTTP 400), but one cancelled only by conflicts or
 * throttling wrote nothing, so it is safe to replay. Marking it with `$retryable` (the SDK's retry trait)
 * inside the retry middleware lets the SDK's standard retry (backoff, retry quota) handle it like any
 * other transient error. Installed once per client.
 */
function installConflictRetry(client: DynamoDBClient): void {
  if (client.middlewareStack.identify().some((m) => m.startsWith(`${CONFLICT_RETRY_MIDDLEWARE} `))) return;
  const middleware: RelativeMiddleware = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      markRetriable(error);
      throw error;
    }
  };
  client.middlewareStack.addRelativeTo(middleware, {
    relation: "after",
    toMiddleware: "retryMiddleware",
    name: CONFLICT_RETRY_MIDDLEWARE,
  });
}

function markRetriable(error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[]; $retryable?: object };
  if (e.name === "TransactionConflictException") {
    e.$retryable = {};
    return;
  }
  if (e.name !== "TransactionCanceledException") return;
  const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? "None").filter((c) => c !== "None");
  if (codes.length === 0) return;
  if (codes.every((c) => CONFLICT_CODES.has(c) || THROTTLE_CODES.has(c))) {
    e.$retryable = codes.some((c) => THROTTLE_CODES.has(c)) ? { throttling: true } : {};
  }
}
