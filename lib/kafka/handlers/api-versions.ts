/** ApiVersions: the APIs and versions the registry serves (an unsupported ApiVersions version is answered by the connection). */
import { ApiVersions } from "../protocol/messages/api-versions.js";
import type { Handler } from "./types.js";

export const apiVersions: Handler = {
  spec: ApiVersions,
  async handle(ctx) {
    return { errorCode: 0, apiKeys: ctx.apis(), throttleTimeMs: 0 };
  },
};
