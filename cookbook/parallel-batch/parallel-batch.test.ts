import { setTimeout as sleep } from "node:timers/promises";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { compare } from "./compare.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("parallel batch", () => {
  it("parses the same résumés with at most `concurrency` calls in flight, faster than one at a time", async () => {
    let inFlight = 0;
    const peaks: number[] = [];
    fake.respond(async (request) => {
      peaks.push(++inFlight);
      await sleep(40); // a slow model
      inFlight--;
      const email = /[\w.]+@example\.\w+/.exec(request.lastUserText)![0];
      return `\`\`\`yaml\nname: ${email.split("@")[0]}\nemail: ${email}\nexperience: []\n\`\`\``;
    });
    const documents = await readDocuments(RESUMES_FOLDER);
    const { sequential, parallel } = await compare(createLLM(fake.config), documents, 3);

    expect(documents).toHaveLength(8);
    expect(fake.requests).toHaveLength(16);
    expect(Math.max(...peaks.slice(0, 8))).toBe(1);
    expect(Math.max(...peaks.slice(8))).toBe(3);
    // Same results, in document order, whichever finished first.
    expect(parallel.store.resumes).toEqual(sequential.store.resumes);
    expect(Object.keys(parallel.store.resumes!)).toEqual(documents.map((d) => d.name));
    expect(parallel.store.resumes!["08-hiro.txt"]!.email).toBe("hiro.tanaka@example.jp");
    expect(parallel.ms).toBeLessThan(sequential.ms);
  });
});
