/** A nearest-neighbour index. The RAG flows take any implementation: in memory, SQLite, a vector DB. */
export interface VectorIndex<Item> {
  add(entries: readonly { vector: number[]; item: Item }[]): Promise<void>;
  /** The `k` items most similar to `vector`, best first, with their cosine similarity. */
  search(vector: number[], k: number): Promise<{ item: Item; score: number }[]>;
}

/** The default index: every vector in memory, exact cosine search. Fine up to ~100k chunks. */
export class MemoryIndex<Item> implements VectorIndex<Item> {
  readonly #entries: { unit: number[]; item: Item }[] = [];

  async add(entries: readonly { vector: number[]; item: Item }[]): Promise<void> {
    for (const { vector, item } of entries) {
      const dimensions = this.#entries[0]?.unit.length;
      if (dimensions !== undefined && vector.length !== dimensions) {
        throw new Error(
          `Vector of ${vector.length} dimensions added to an index of ${dimensions}: use one embeddings model for the whole index.`,
        );
      }
      this.#entries.push({ unit: normalize(vector), item });
    }
  }

  async search(vector: number[], k: number): Promise<{ item: Item; score: number }[]> {
    const query = normalize(vector);
    return this.#entries
      .map(({ unit, item }) => ({ item, score: unit.reduce((sum, x, i) => sum + x * (query[i] ?? 0), 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  get size(): number {
    return this.#entries.length;
  }
}

function normalize(vector: number[]): number[] {
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((x) => x / length);
}
