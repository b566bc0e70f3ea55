/**
 * Gathers work that arrives while a batch is running into the next one: one batch runs at a time, and everything
 * that came in meanwhile (up to `maxBatch`) goes into the batch after it. Alone, an item runs at once; under load,
 * batches grow with the load, so a statement and a commit serve many items.
 *
 * `run` answers its items in order. When a batch of several fails, each of its items is run again on its own, so
 * that one item's failure (a constraint it alone breaks) fails only that item.
 */
export class Batcher<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (err: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else
          for (const b of batch)
            await this.run([b.item]).then(
              ([result]) => b.resolve(result!),
              (itemErr: unknown) => b.reject(itemErr),
            );
      }
    }
    this.running = false;
  }
}
