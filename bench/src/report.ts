import { BASELINE, COLUMNS, type Cell, type Results, type Row } from "./suite.js";

const PEERS = ["pocketflow", "LangGraph"];
/** Differences inside this band are noise on a shared machine: called "on par". */
const PAR = 0.05;

function number(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function ratio(value: number): string {
  return `×${value >= 100 ? Math.round(value).toLocaleString("en") : value.toFixed(value >= 10 ? 0 : value >= 2 ? 1 : 2)}`;
}

function cellText(row: Row, cell: Cell | undefined): string {
  if (!cell) return "";
  if (cell.value === undefined) return cell.note ?? "n/a";
  let text = `${number(cell.value)} ${row.unit}`;
  if (row.compare === "ideal" && typeof cell.detail?.ideal === "number") text += ` (${ratio(cell.value / cell.detail.ideal)} ideal)`;
  const base = row.cells[BASELINE]?.value;
  if (row.compare === "baseline" && base && cell !== row.cells[BASELINE]) text += ` (${ratio(cell.value / base)})`;
  if (cell.note) text += ` ${cell.note}`;
  if (typeof cell.detail?.syncDurability === "number") text += ` (durability "sync": ${number(cell.detail.syncDurability)} ${row.unit})`;
  return text;
}

/** The figure compared across columns: time over the ideal where the row has one (sizes may differ). */
function comparable(row: Row, cell: Cell | undefined): number | undefined {
  if (cell?.value === undefined) return undefined;
  const ideal = cell.detail?.ideal;
  return row.compare === "ideal" && typeof ideal === "number" ? cell.value / ideal : cell.value;
}

/** Where flowlet stands against its best peer on this row: lower is better everywhere. */
export function verdict(row: Row): string {
  const mine = comparable(row, row.cells.flowlet);
  const peers = PEERS.map((name) => ({ name, value: comparable(row, row.cells[name]) })).filter(
    (p): p is { name: string; value: number } => p.value !== undefined,
  );
  if (mine === undefined || peers.length === 0) return "";
  const best = peers.reduce((a, b) => (b.value < a.value ? b : a));
  const floor = row.noiseFloor ?? 0;
  if (Math.abs(mine - best.value) <= Math.max(floor, Math.abs(best.value) * PAR)) return `on par with ${best.name}`;
  if (mine > best.value) return `**behind ${best.name}**${best.value > 0 ? ` (${ratio(mine / best.value)})` : ""}`;
  return mine > 0 ? `${ratio(best.value / mine)} less than ${best.name}` : `less than ${best.name}`;
}

/** The results as one Markdown table. */
export function table(results: Results): string {
  const head = COLUMNS.map((fw) => (fw.pkg ? `${fw.name} ${results.versions[fw.name]}` : fw.name));
  const lines = [`| Workload | ${head.join(" | ")} | flowlet vs best peer |`, `|---|${COLUMNS.map(() => "---|").join("")}---|`];
  for (const row of results.rows) {
    const cells = COLUMNS.map((fw) => cellText(row, row.cells[fw.name]));
    lines.push(`| ${row.id} ${row.title} | ${cells.join(" | ")} | ${verdict(row)} |`);
  }
  return lines.join("\n");
}

/** One line on where and how the numbers were taken. */
export function setting(results: Results): string {
  const load = results.loadavg.map((l) => l.toFixed(2)).join(", ");
  const s = results.sizes;
  return `${results.date}, Node ${results.node}, ${results.platform}, ${results.cpus} CPUs (load ${load}); medians of ${s.repeats} runs (LangGraph ${s.langgraph.repeats}) after ${s.warmups} warm-up; @langchain/core ${results.versions["@langchain/core"]}.`;
}
