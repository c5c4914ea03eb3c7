import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { createScreeningFlow } from "./flow.js";
import type { ScreeningStore } from "./nodes.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("map-reduce: résumé screening", () => {
  it("maps every résumé to a verdict and reduces them to a shortlist", async () => {
    const backend = ["Ada Morgan", "Dev Patel", "Femi Adeyemi", "Hiro Tanaka"];
    fake.respond((request) => {
      const name = ["Ada Morgan", "Bo Chen", "Carla Ruiz", "Dev Patel", "Emma Schultz", "Femi Adeyemi", "Gia Romano", "Hiro Tanaka"].find(
        (n) => request.lastUserText.toLowerCase().includes(n.toLowerCase()),
      )!;
      return `\`\`\`yaml\ncandidate: ${name}\nqualified: ${backend.includes(name)}\nreason: judged\n\`\`\``;
    });
    const shared: ScreeningStore = { job: "3+ years of backend development", documents: await readDocuments(RESUMES_FOLDER) };
    await createScreeningFlow(createLLM(fake.config)).run(shared);

    expect(fake.requests).toHaveLength(8);
    expect(fake.requests.every((r) => r.lastUserText.includes("3+ years of backend development"))).toBe(true);
    expect(shared.evaluations!.map((e) => e.document)).toEqual(shared.documents.map((d) => d.name));
    expect(shared.report).toEqual({ total: 8, qualified: backend });
  });
});
