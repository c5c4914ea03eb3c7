import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { describeSaver } from "flowlet/testing";
import { describe, it } from "vitest";

describeSaver(
  "FileSaver",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "flowlet-contract-"));
    return { open: () => new FileSaver(dir, { fsync: false }), close: () => rmSync(dir, { recursive: true, force: true }) };
  },
  { describe, it },
);

describeSaver(
  "FileSaver with fsync",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "flowlet-contract-"));
    return { open: () => new FileSaver(join(dir, "not", "there", "yet")), close: () => rmSync(dir, { recursive: true, force: true }) };
  },
  { describe, it },
);
