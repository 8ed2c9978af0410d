/**
 * DeleteTopics: by name (v0-5) or by name or topic id (v6). Each topic on its own: a missing name is
 * UNKNOWN_TOPIC_OR_PARTITION, an id no topic has is UNKNOWN_TOPIC_ID. Deletion is immediate (the ledger marks
 * every partition deleted; maintenance removes the objects).
 */
import { AdminError, adminFailure } from "../admin-errors.js";
import { DeleteTopics } from "../protocol/messages/delete-topics.js";
import { ZERO_UUID } from "../protocol/primitives.js";
import type { Struct } from "../protocol/schema.js";
import type { Handler, KafkaContext } from "./types.js";

export const deleteTopics: Handler = {
  spec: DeleteTopics,
  async handle(ctx, req, header) {
    const named: { name: string | null; topicId: string }[] =
      header.apiVersion >= 6
        ? (req.topics as { name: string | null; topicId: string }[])
        : (req.topicNames as string[]).map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: Struct[] = [];
    for (const t of named) responses.push(await deleteOne(ctx, t));
    return { throttleTimeMs: 0, responses };
  },
};

async function deleteOne(ctx: KafkaContext, t: { name: string | null; topicId: string }): Promise<Struct> {
  let name = t.name;
  if (name === null || name === "") {
    name = (await ctx.topicIds.name(t.topicId)) ?? null;
    if (name === null) {
      return {
        name: null,
        topicId: t.topicId,
        errorCode: AdminError.UNKNOWN_TOPIC_ID,
        errorMessage: `no topic has id ${t.topicId}`,
      };
    }
  }
  try {
    const { id } = await ctx.log.topicMetadata(name);
    if (t.topicId !== ZERO_UUID && t.topicId !== id) {
      return {
        name,
        topicId: t.topicId,
        errorCode: AdminError.UNKNOWN_TOPIC_ID,
        errorMessage: `topic "${name}" has another id`,
      };
    }
    await ctx.log.deleteTopic(name);
    return { name, topicId: id, errorCode: AdminError.NONE, errorMessage: null };
  } catch (e) {
    return { name, topicId: t.topicId, ...adminFailure(e, "topics") };
  }
}
