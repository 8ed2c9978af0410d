/**
 * `for await (const message of consumer)`: the consumer as an async iterator, built on run({ eachMessage }).
 *
 * One message is in hand at a time: the handler run() calls waits until the loop asks for the next message, so a
 * message counts as processed (its offset moves on, auto-commit may commit it) only once the loop body that got it
 * has finished and the loop comes back. Leaving the loop (break, return, or an exception in the body: JavaScript
 * calls return() for all three) closes the consumer: the message in hand counts as processed, offsets are
 * committed, onRevoked runs and the member leaves the group. An error that stops the consumer is thrown by the loop.
 */
import type { Message } from "./records.js";

/** A consumed record with where it came from. */
export interface ConsumedMessage extends Message {
  topic: string;
  partition: number;
}

/** What the iterator needs of the consumer (its public API, plus the hook close() calls first). */
export interface Iterable {
  run(options: {
    eachMessage: (p: { topic: string; partition: number; message: Message }) => Promise<void>;
  }): Promise<void>;
  stopped(): Promise<void>;
  close(): Promise<void>;
  onClosing(hook: () => void): void;
}

interface Take {
  resolve: (r: IteratorResult<ConsumedMessage>) => void;
  reject: (e: unknown) => void;
}

export function consumerIterator(consumer: Iterable): AsyncIterableIterator<ConsumedMessage> {
  let started = false;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let offered: ConsumedMessage | undefined;
  let take: Take | undefined;
  let release: (() => void) | undefined;
  const done = (): IteratorResult<ConsumedMessage> => ({ done: true, value: undefined });

  const handOver = () => {
    release?.();
    release = undefined;
  };
  const end = (error?: { error: unknown }) => {
    ended = true;
    handOver();
    const t = take;
    take = undefined;
    if (error && t) t.reject(error.error);
    else {
      failure ??= error;
      t?.resolve(done());
    }
  };

  const iterator: AsyncIterableIterator<ConsumedMessage> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      handOver(); // the previous message is processed
      if (offered) {
        const m = offered;
        offered = undefined;
        return { done: false, value: m };
      }
      if (failure) {
        const e = failure.error;
        failure = undefined; // thrown once
        throw e;
      }
      if (ended) return done();
      if (!started) {
        started = true;
        consumer.onClosing(() => end());
        await consumer.run({
          eachMessage: ({ topic, partition, message }) =>
            new Promise<void>((resolve) => {
              if (ended) return resolve();
              release = resolve;
              const m: ConsumedMessage = { ...message, topic, partition };
              const t = take;
              take = undefined;
              if (t) t.resolve({ done: false, value: m });
              else offered = m;
            }),
        });
        consumer.stopped().then(
          () => end(),
          (error) => end({ error }),
        );
      }
      return new Promise((resolve, reject) => {
        take = { resolve, reject };
      });
    },
    async return() {
      end();
      offered = undefined;
      await consumer.close();
      return done();
    },
  };
  return iterator;
}
