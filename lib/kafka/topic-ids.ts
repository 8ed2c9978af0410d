/**
 * Topic ids the Kafka listener has seen, both ways: versions that name topics by id (Fetch v13+, Metadata v12)
 * resolve them here. An unknown id refreshes the map from the topic list once; a topic re-created under the
 * same name gets a new id, so an old id stops resolving after the next refresh.
 */
import type { LogService } from "../log/service.js";

export class TopicIds {
  private readonly names = new Map<string, string>();
  private refreshing: Promise<void> | undefined;

  constructor(private readonly log: LogService) {}

  remember(name: string, id: string): void {
    this.names.set(id, name);
  }

  /** The name of the topic with this id, or undefined when no topic has it. */
  async name(id: string): Promise<string | undefined> {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
    return this.names.get(id);
  }

  private async refresh(): Promise<void> {
    const names = await this.log.listTopics();
    this.names.clear();
    for (const name of names) {
      const meta = await this.log.topicMetadata(name).catch(() => undefined);
      if (meta) this.names.set(meta.id, meta.name);
    }
  }
}
