import type { Usage, UsageEvent } from "./types.js";

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Totals of one model (or of all): tokens, calls, and cost when priced. */
export interface UsageTotals extends Usage {
  calls: number;
  /** Dollars; undefined when a model in these totals has no price. */
  cost: number | undefined;
}

/**
 * Sums token usage over calls. Pass `meter.record` as `onUsage`, run the flow, print `meter.summary()`.
 * Prices match the longest key that starts the model name, so `gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`.
 */
export class UsageMeter {
  readonly #models = new Map<string, UsageTotals>();

  constructor(readonly prices: Readonly<Record<string, ModelPrice>> = {}) {}

  /** Adds one call. Bound, so it can be passed around as a callback. */
  readonly record = (event: UsageEvent): void => {
    const totals = this.#models.get(event.model) ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: 0 };
    totals.inputTokens += event.inputTokens;
    totals.outputTokens += event.outputTokens;
    totals.totalTokens += event.totalTokens;
    totals.calls += 1;
    const price = this.priceOf(event.model);
    totals.cost = price && totals.cost !== undefined ? totals.cost + costOf(event, price) : undefined;
    this.#models.set(event.model, totals);
  };

  /** Totals per model name. */
  byModel(): Record<string, UsageTotals> {
    return Object.fromEntries([...this.#models].map(([model, totals]) => [model, { ...totals }]));
  }

  /** Totals over every model. */
  get total(): UsageTotals {
    const sum: UsageTotals = { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: 0 };
    for (const totals of this.#models.values()) {
      sum.inputTokens += totals.inputTokens;
      sum.outputTokens += totals.outputTokens;
      sum.totalTokens += totals.totalTokens;
      sum.calls += totals.calls;
      sum.cost = sum.cost !== undefined && totals.cost !== undefined ? sum.cost + totals.cost : undefined;
    }
    return sum;
  }

  /** One line for a log: `LLM: 3 calls, 1,234 input + 567 output tokens, $0.0012`. */
  summary(): string {
    const { calls, inputTokens, outputTokens, cost } = this.total;
    const money = cost === undefined ? "" : `, $${cost.toFixed(4)}`;
    return `LLM: ${calls} call${calls === 1 ? "" : "s"}, ${inputTokens.toLocaleString("en-US")} input + ${outputTokens.toLocaleString("en-US")} output tokens${money}`;
  }

  reset(): void {
    this.#models.clear();
  }

  private priceOf(model: string): ModelPrice | undefined {
    return priceOf(this.prices, model);
  }
}

/** The price of `model`: that of the longest key that starts its name, if any. */
export function priceOf(prices: Readonly<Record<string, ModelPrice>>, model: string): ModelPrice | undefined {
  let best: string | undefined;
  for (const key of Object.keys(prices)) if (model.startsWith(key) && key.length > (best?.length ?? -1)) best = key;
  return best === undefined ? undefined : prices[best];
}

/** Dollars for `usage` at `price`. */
export function costOf(usage: Usage, price: ModelPrice): number {
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6;
}
