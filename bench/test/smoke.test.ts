import { beforeAll, describe, expect, it } from "vitest";
import { NOT_BUILT } from "../src/checkpoint.js";
import { table, verdict } from "../src/report.js";
import { COLUMNS, type Cell, FRAMEWORKS, type Results, type Row, SMOKE, runSuite } from "../src/suite.js";

// Every workload for every framework, through the same code as `npm run bench`, at tiny sizes.
let results: Results;
beforeAll(async () => {
  results = await runSuite(SMOKE);
}, 60_000);

function row(id: string, titleIncludes = ""): Row {
  const found = results.rows.find((r) => r.id === id && r.title.includes(titleIncludes));
  if (!found) throw new Error(`no row ${id} "${titleIncludes}"`);
  return found;
}

function cell(r: Row, framework: string): Cell {
  const found = r.cells[framework];
  if (!found) throw new Error(`row ${r.id} "${r.title}" has no cell for ${framework}`);
  return found;
}

describe("bench smoke run", () => {
  it("W1: every framework's chain visits every node, flowlet's all 1,000", () => {
    const w1 = row("W1");
    for (const fw of COLUMNS) {
      const c = cell(w1, fw.name);
      expect(c.detail?.visited).toBe(c.detail?.nodes);
      expect(c.value).toBeGreaterThan(0);
    }
    expect(cell(w1, "flowlet").detail?.visited).toBe(1000);
    expect(cell(w1, "flowlet, async post").detail?.visited).toBe(1000);
  });

  it("W2: every loop makes all its transitions, and flowlet's heap does not grow with the loop's length", () => {
    for (const fw of COLUMNS)
      expect(cell(row("W2", "per transition"), fw.name).detail?.transitions).toBe(
        fw.name === "LangGraph" ? SMOKE.langgraph.loop : SMOKE.loop,
      );
    const growth = cell(row("W2", "heap growth"), "flowlet");
    expect(growth.detail?.long).toBeGreaterThan(0);
    expect(Math.abs(growth.value!)).toBeLessThan(8);
  });

  it("W3: unbounded batches return every result in order, with all calls in flight at once", () => {
    const w3 = row("W3");
    for (const fw of FRAMEWORKS) {
      const c = cell(w3, fw.name);
      expect(c.detail?.inOrder).toBe(true);
      expect(c.detail?.maxInFlight).toBe(c.detail?.items);
    }
    // Ten 10 ms waves would take 100 ms: one wave means really parallel (generous margin for load).
    expect(cell(w3, "flowlet").value).toBeLessThan(SMOKE.callMs * 8);
  });

  it("W4: capped batches reach the cap and never pass it; pocketflow has no cap", () => {
    const w4 = row("W4");
    for (const name of ["plain TS", "flowlet", "LangGraph"]) {
      const c = cell(w4, name);
      expect(c.detail?.inOrder).toBe(true);
      expect(c.detail?.maxInFlight).toBe(SMOKE.concurrency);
    }
    expect(cell(w4, "pocketflow")).toEqual({ note: "no concurrency cap" });
    const flowlet = cell(w4, "flowlet");
    expect(flowlet.value).toBeGreaterThanOrEqual((flowlet.detail?.ideal as number) * 0.95);
    expect(flowlet.value).toBeLessThan((flowlet.detail?.ideal as number) * 4);
  });

  it("W5: each saver is measured with real saves, or marked not built; none fails", () => {
    const w5 = results.rows.filter((r) => r.id === "W5");
    expect(w5.length).toBeGreaterThanOrEqual(5);
    for (const r of w5.slice(1, 5)) {
      const c = cell(r, "flowlet");
      if (c.value === undefined) expect(c.note).toBe(NOT_BUILT);
      else {
        expect(c.detail?.visited).toBe(SMOKE.checkpointChain);
        expect(c.detail?.saverCalls).toBeGreaterThan(0);
      }
    }
    expect(cell(row("W5", "MemorySaver"), "LangGraph").detail?.saverCalls).toBeGreaterThan(0);
    for (const r of w5) for (const c of Object.values(r.cells)) expect(c.note ?? "").not.toMatch(/^failed/);
  });

  it("W6: cold imports and installed sizes of every package", () => {
    const cold = row("W6", "cold import");
    const size = row("W6", "installed size");
    for (const name of ["flowlet", "pocketflow", "LangGraph"]) {
      expect(Number.isFinite(cell(cold, name).value)).toBe(true);
      expect(cell(size, name).value).toBeGreaterThan(1);
    }
    expect(cell(size, "pocketflow").detail?.packages).toBe(1);
    expect(cell(size, "LangGraph").detail?.packages).toBeGreaterThan(5);
    expect(cell(size, "LangGraph").detail?.missing).toBe("");
  });

  it("W7: flowlet and LangGraph stream every node's events, read one by one", () => {
    const w7 = row("W7");
    expect(cell(w7, "flowlet").detail?.events).toBe(SMOKE.stream * 3 + 3); // nodeStart, custom, nodeEnd per node; the flow's own two; end
    expect(cell(w7, "LangGraph").detail?.events).toBe(SMOKE.langgraph.stream * 2); // an update and a custom chunk per node
    expect(cell(w7, "pocketflow").note).toBe("no streaming");
  });

  it("prints one table with every row and each framework's exact version", () => {
    const text = table(results);
    for (const r of results.rows) expect(text).toContain(r.title);
    expect(text).toMatch(/pocketflow \d+\.\d+\.\d+/);
    expect(text).toMatch(/LangGraph \d+\.\d+\.\d+/);
    expect(text).toMatch(/flowlet \d+\.\d+\.\d+/);
  });
});

describe("verdict", () => {
  const r = (flowlet: number, pocketflow: number): Row => ({
    id: "W1",
    title: "t",
    unit: "µs",
    cells: { flowlet: { value: flowlet }, pocketflow: { value: pocketflow }, LangGraph: { value: 1000 } },
  });
  it("names the best peer when flowlet is behind it, and says by how much", () => {
    expect(verdict(r(2, 1))).toBe("**behind pocketflow** (×2.0)");
  });
  it("calls differences within 5% on par", () => {
    expect(verdict(r(1.03, 1))).toBe("on par with pocketflow");
  });
  it("says how far ahead flowlet is", () => {
    expect(verdict(r(1, 3))).toBe("×3.0 less than pocketflow");
  });
});
