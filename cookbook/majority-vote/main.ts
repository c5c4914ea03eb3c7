import { createLLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { runMain } from "../shared/cli.js";
import { MajorityVote, type VoteStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/majority-vote/main.ts "How many r's are in strawberry?"
runMain(async () => {
  const shared: VoteStore = {
    question: process.argv.slice(2).join(" ") || "How many times does the letter r appear in 'strawberry'?",
    voters: 5,
  };
  await new Flow(new MajorityVote(createLLM())).run(shared);
  for (const [answer, votes] of shared.tally!) console.log(`${votes} × ${answer}`);
  for (const reason of shared.abstentions!) console.error(`abstained: ${reason}`);
  console.log(shared.answer === undefined ? "\nNo voter answered." : `\nMajority answer: ${shared.answer}`);
});
