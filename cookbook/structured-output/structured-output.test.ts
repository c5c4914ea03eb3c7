import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { Flow } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RESUMES_FOLDER, readDocuments } from "../shared/documents.js";
import { ParseResumes, type ResumeStore } from "./nodes.js";

const yaml = (body: string) => `\`\`\`yaml\n${body}\n\`\`\``;
const ADA = yaml(`name: Ada Morgan
email: ada.morgan@example.com
experience:
  - title: Senior Backend Engineer
    company: Ledgerline
    period: 2021–present
  - title: Software Engineer
    company: Parcelpost
    period: 2017–2021`);

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("structured output: the résumé parser", () => {
  it("extracts each résumé as validated YAML, re-asking with the problem, and reports what never validates", async () => {
    const documents = (await readDocuments(RESUMES_FOLDER)).filter((d) => /ada|carla|gia/.test(d.name));
    const carlaReplies = [
      "name: [Carla Ruiz", // not YAML at all
      yaml("name: Carla Ruiz\nemail: carla at example dot net\nexperience: []"), // fails the schema
      yaml(
        "name: Carla Ruiz\nemail: carla.ruiz@example.net\nexperience:\n  - {title: Lead UI engineer, company: Tidewater Games, period: 2021-2024}",
      ),
    ];
    fake.respond((request) => {
      const text = request.messages.find((m) => m.role === "user")!.content;
      if (text.includes("ADA MORGAN")) return ADA;
      if (text.includes("Carla Ruiz")) return carlaReplies.shift()!;
      return yaml("name: Gia Romano\nexperience: []"); // never has the email
    });
    const shared: ResumeStore = { documents };
    await new Flow(new ParseResumes(createLLM(fake.config))).run(shared);

    expect(shared.resumes).toEqual({
      "01-ada.txt": {
        name: "Ada Morgan",
        email: "ada.morgan@example.com",
        experience: [
          { title: "Senior Backend Engineer", company: "Ledgerline", period: "2021–present" },
          { title: "Software Engineer", company: "Parcelpost", period: "2017–2021" },
        ],
      },
      "03-carla.txt": {
        name: "Carla Ruiz",
        email: "carla.ruiz@example.net",
        experience: [{ title: "Lead UI engineer", company: "Tidewater Games", period: "2021-2024" }],
      },
    });
    expect(Object.keys(shared.failures!)).toEqual(["07-gia.txt"]);
    expect(shared.failures!["07-gia.txt"]).toMatch(/No valid structured output after 3 attempts: .*email/);

    // Carla's re-asks carried what was wrong with the previous reply.
    const carla = fake.requests.filter((r) => r.messages.some((m) => m.content.includes("Carla Ruiz")));
    expect(carla).toHaveLength(3);
    expect(carla[1]!.lastUserText).toMatch(/could not be used/);
    expect(carla[2]!.lastUserText).toMatch(/email/);
    expect(fake.requests).toHaveLength(1 + 3 + 3);
  });
});
