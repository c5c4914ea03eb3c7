import { createLLM } from "@flowlet/llm";
import { listen, sseServer } from "./server.js";

// npx tsx --conditions=@flowlet/source cookbook/sse/main.ts [port]  → open the printed URL
const url = await listen(sseServer(createLLM()), Number(process.argv[2] ?? 8787));
console.log(`Listening on ${url}`);
