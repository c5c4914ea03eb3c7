import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the examples of docs/observability.md", () => {
  it("traced-a2a.ts prints one trace: the agent's run under the caller's A2A client span", async () => {
    const script = join(import.meta.dirname, "..", "examples", "traced-a2a.ts");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--conditions=@flowlet/source", script], { timeout: 60_000 });
    const traceIds = new Set([...stdout.matchAll(/^ {2}traceId: '([0-9a-f]{32})'/gm)].map((m) => m[1]));
    expect(traceIds.size).toBe(1);
    for (const name of ["flowlet.run Caller", "flowlet.node SendToAgent", "A2A SendMessage", "flowlet.run Shouter", "flowlet.node Shout"]) {
      expect(stdout).toContain(`name: '${name}'`);
    }
  }, 60_000);
});
