import { MemorySaver } from "flowlet";
import { describeSaver } from "flowlet/testing";
import { describe, it } from "vitest";

describeSaver(
  "MemorySaver",
  () => {
    const saver = new MemorySaver();
    return { open: () => saver };
  },
  { describe, it },
);
