import type { File, Task } from "vitest";
import type { Reporter } from "vitest/reporters";

/** Ends the run with one plain line, `tests: N passed, N failed`, that any CI log reader understands. */
export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = []): void {
    const count = { pass: 0, fail: 0, skip: 0 };
    const visit = (task: Task) => {
      if (task.type === "suite") return task.tasks.forEach(visit);
      const state = task.result?.state;
      if (state === "pass") count.pass++;
      else if (state === "fail") count.fail++;
      else count.skip++;
    };
    files.forEach(visit);
    const failedFiles = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length;
    console.log(`\ntests: ${count.pass} passed, ${count.fail + failedFiles} failed${count.skip ? `, ${count.skip} skipped` : ""}`);
  }
}
