/**
 * The producer's bounded buffer (Kafka's buffer.memory and max.block.ms): records hold bytes of the budget from
 * send() until their batch is acknowledged or fails. acquire() waits, first come first served, while the budget is
 * spent, and fails with a BufferFullError once it has waited maxBlockMs; a request larger than the whole budget
 * fails at once (it could never fit).
 */
import { BufferFullError, InvalidInputError } from "./errors.js";

interface Waiter {
  bytes: number;
  grant: () => void;
}

export class ByteBudget {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly capacity: number,
    private readonly maxBlockMs: number,
  ) {}

  /** Bytes held now (queued or in flight). */
  get inUse(): number {
    return this.used;
  }

  async acquire(bytes: number): Promise<void> {
    if (bytes > this.capacity)
      throw new InvalidInputError(
        `the records take ${bytes} bytes, more than the producer's whole buffer (bufferMemory ${this.capacity})`,
      );
    if (this.waiters.length === 0 && this.used + bytes <= this.capacity) {
      this.used += bytes;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new BufferFullError(
            `send: the producer's buffer (bufferMemory ${this.capacity} bytes) stayed full for maxBlockMs ${this.maxBlockMs} ms; the server is slow or unreachable`,
            { bufferMemory: this.capacity, maxBlockMs: this.maxBlockMs, bytes },
          ),
        );
        this.grantWaiting(); // a large waiter timing out may let smaller ones behind it in
      }, this.maxBlockMs);
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.grantWaiting();
  }

  private grantWaiting(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.capacity) {
      const w = this.waiters.shift()!;
      this.used += w.bytes;
      w.grant();
    }
  }
}
