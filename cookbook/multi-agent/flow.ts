import type { LLM } from "@flowlet/llm";
import { Flow, Node } from "flowlet";
import { Guesser, Hinter, type TabooStore } from "./nodes.js";
import { AsyncQueue } from "./queue.js";

/** Two agents, each its own flow (Hinter ⟲ hint, Guesser ⟲ guess), talking only through two queues. */
export function createTabooAgents(llm: LLM): { hinter: Flow<TabooStore>; guesser: Flow<TabooStore> } {
  const gameOver = new Node<TabooStore>({ name: "GameOver" });
  const hinter = new Hinter(llm);
  hinter.on("hint", hinter);
  hinter.on("end", gameOver);
  const guesser = new Guesser(llm);
  guesser.on("guess", guesser);
  guesser.on("over", gameOver);
  return { hinter: new Flow(hinter, { name: "HinterAgent" }), guesser: new Flow(guesser, { name: "GuesserAgent" }) };
}

/** Plays one game: both agents run at once; if one fails, the other's queue closes so it stops too. */
export async function playTaboo(llm: LLM, game: { target: string; forbidden: string[]; maxRounds?: number }): Promise<TabooStore> {
  const shared: TabooStore = {
    ...game,
    maxRounds: game.maxRounds ?? 5,
    hints: [],
    guesses: [],
    toGuesser: new AsyncQueue(),
    toHinter: new AsyncQueue(),
  };
  const { hinter, guesser } = createTabooAgents(llm);
  await Promise.all([
    hinter.run(shared).finally(() => shared.toGuesser.close()),
    guesser.run(shared).finally(() => shared.toHinter.close()),
  ]);
  return shared;
}
