/**
 * Parallel branches with a join: one node that runs several different nodes (or flows) at once on
 * the same shared store, and finishes when all of them have. Its successors run after the join.
 */
import type { NodeContext, Visit } from "./context.js";
import { ConfigError } from "./errors.js";
import { runBatch } from "./batch.js";
import { KIND, type NodeKind } from "./describe.js";
import { BRANCHES, BaseNode, COMPOSITE, WORK, tracksPrep, visitNode } from "./node.js";
import { enterFlow } from "./run.js";
import { checkCount } from "./util.js";

export interface ParallelOptions {
  name?: string;
  /** How many branches run at once. Default: all of them. */
  concurrency?: number;
}

/**
 * Runs its branches concurrently, then joins: `post` receives each branch's action, in branch
 * order, and the node's action is "default" unless `post` says otherwise.
 *
 * ```ts
 * const research = new Parallel([new SearchWeb(), new SearchDocs(), new AskExpert()], { name: "Research" });
 * research.next(new Summarize());
 * ```
 *
 * **Shared store rule:** branches share one store, as batch items do, and a write is plain
 * assignment: the last write to a key wins. Give each branch its own keys (e.g. `shared.web`,
 * `shared.docs`) and combine them after the join. If one branch fails, the others' `ctx.signal`
 * aborts and the node fails with that branch's error.
 *
 * In a checkpointed run each branch is saved when it finishes, and a resumed run runs only the
 * branches that had not (a branch that is a flow resumes inside itself).
 */
export class Parallel<S = unknown> extends BaseNode<S, void, string[]> {
  readonly branches: readonly BaseNode<S>[];
  concurrency: number;

  constructor(branches: readonly BaseNode<S>[], options: ParallelOptions = {}) {
    super(options);
    if (!Array.isArray(branches) || branches.length === 0 || branches.some((b) => !(b instanceof BaseNode))) {
      throw new ConfigError(`Parallel "${this.name}" takes a non-empty array of nodes or flows: new Parallel([a, b, c]).`);
    }
    this.branches = [...branches];
    this.concurrency = checkCount(options.concurrency ?? Number.POSITIVE_INFINITY, `concurrency of "${this.name}"`, 1);
  }

  /** @internal */
  override [WORK](shared: S, _prepRes: void, _ctx: NodeContext, visit: Visit): Promise<string[]> {
    const batch = { concurrency: this.concurrency, itemKey: (_branch: BaseNode<S>, index: number) => String(index) };
    return runBatch(batch, this.branches, visit, "batchFlow", (branch, index, key, signal) => {
      const scope = enterFlow(this, visit.scope, signal, index);
      if (scope.run.journal.durable && tracksPrep(branch)) scope.run.journal.prepStarts(key);
      return visitNode(branch, shared, scope, visit.params, index + 1, key);
    });
  }

  /** @internal */
  override get [COMPOSITE](): boolean {
    return true;
  }

  /** @internal */
  get [KIND](): NodeKind {
    return "parallel";
  }

  /** @internal */
  override [BRANCHES](): readonly BaseNode<S>[] {
    return this.branches;
  }
}
