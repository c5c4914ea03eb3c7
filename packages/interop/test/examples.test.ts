import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The docs' two-terminal example, run as the docs say: two processes, real HTTP between them.
const script = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const node = ["--conditions=@flowlet/source", "--import", "tsx"];
const TOKEN = "example-token-0123456789";

describe("examples/serve-agent.ts + examples/call-agent.ts", () => {
  let agent: ChildProcess;
  let url: string;
  beforeAll(async () => {
    agent = spawn(process.execPath, [...node, script("serve-agent.ts")], {
      env: { ...process.env, PORT: "0", A2A_TOKEN: TOKEN, WORD_DELAY_MS: "1" },
    });
    let out = "";
    agent.stdout?.setEncoding("utf8");
    agent.stderr?.pipe(process.stderr);
    for await (const chunk of agent.stdout as AsyncIterable<string>) {
      out += chunk;
      const match = /agent at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match?.[1]) {
        url = match[1];
        break;
      }
    }
  });
  afterAll(async () => {
    agent.kill("SIGTERM");
    if (agent.exitCode === null) await once(agent, "exit");
  });

  const call = (text: string) =>
    promisify(execFile)(process.execPath, [...node, script("call-agent.ts"), text], {
      env: { ...process.env, AGENT_URL: url, A2A_TOKEN: TOKEN },
    });

  it("the calling flow streams the served flow's words, then prints its reply", async () => {
    const { stdout } = await call("hello there");
    expect(stdout).toContain("streamed: HELLO THERE \n");
    expect(stdout).toContain("reply: HELLO THERE!");
  });

  it("a question from the served flow (input-required) is answered and the task resumes", async () => {
    const { stdout } = await call("please delete this");
    expect(stdout).toContain('agent asks: Really shout "please delete this"? (yes/no) → answering "yes"');
    expect(stdout).toContain("reply: PLEASE DELETE THIS!");
  });
});
