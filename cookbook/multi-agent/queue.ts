/**
 * An unbounded async queue between two agents. `take` waits for the next item; once the queue is
 * closed and drained it resolves `undefined`, so a waiting agent is never left hanging.
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #waiting: ((item: T | undefined) => void)[] = [];
  #closed = false;

  push(item: T): void {
    if (this.#closed) throw new QueueClosedError();
    const waiter = this.#waiting.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  take(): Promise<T | undefined> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift());
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
  }
}

/** A message was sent after the other side closed the queue: the other agent has left the game. */
export class QueueClosedError extends Error {
  override name = "QueueClosedError";
  constructor() {
    super("The queue is closed: the other agent has left, so nobody would read this message.");
  }
}
