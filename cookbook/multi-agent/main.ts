import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { playTaboo } from "./flow.js";

// npx tsx --conditions=@flowlet/source cookbook/multi-agent/main.ts [word] [forbidden,words]
runMain(async () => {
  const target = process.argv[2] ?? "nostalgic";
  const forbidden = (process.argv[3] ?? "memory,past,longing,remember").split(",");
  const game = await playTaboo(createLLM(), { target, forbidden });
  game.hints.forEach((hint, i) => {
    console.log(`Hinter:  ${hint}`);
    if (game.guesses[i] !== undefined) console.log(`Guesser: ${game.guesses[i]}`);
  });
  console.log(
    game.outcome === "won" ? `\nGuessed "${target}" in ${game.guesses.length} round(s).` : `\nNot guessed: the word was "${target}".`,
  );
});
