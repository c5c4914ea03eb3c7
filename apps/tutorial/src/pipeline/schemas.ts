import { z } from "zod";

/**
 * The schemas every LLM reply is validated with. `llm.structured` sends a failing reply back with
 * these messages, so each one says exactly what is wrong and what a valid reply looks like.
 *
 * Indices may come as numbers or as the "3 # name" strings the prompts ask for (YAML reads an
 * unquoted `- 3 # name` as the number 3, the comment dropped), so both are accepted.
 */

/** An index written as `3` or `"3 # name"`, checked to be in `0..count-1`. */
function indexRef(count: number, what: string) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const match = typeof value === "number" ? null : /^\s*(-?\d+)\s*(?:#.*)?$/s.exec(value);
    const index = typeof value === "number" ? value : match ? Number(match[1]) : Number.NaN;
    if (!Number.isInteger(index)) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `${JSON.stringify(value)} is not a ${what} index: write the number first, as "3 # name"`,
      });
      return z.NEVER;
    }
    if (index < 0 || index >= count) {
      ctx.issues.push({
        code: "custom",
        input: value,
        message: `${what} index ${index} does not exist: use an index from 0 to ${count - 1}`,
      });
      return z.NEVER;
    }
    return index;
  });
}

const text = (what: string) =>
  z
    .string({ error: `${what} must be a text` })
    .trim()
    .min(1, `${what} must not be empty`);

/** One abstraction as IdentifyAbstractions asks for it. */
export function abstractionsSchema(fileCount: number, maxAbstractions: number) {
  return z
    .array(
      z.object({
        // One line: a name is a heading, a link text and a diagram label.
        name: text("name").transform((name) => name.replace(/\s+/g, " ")),
        description: text("description"),
        file_indices: z.array(indexRef(fileCount, "file")).min(1, "list at least one relevant file index"),
      }),
      { error: "the reply must be a YAML list of abstractions" },
    )
    .min(1, "list at least one abstraction")
    .max(maxAbstractions, `list at most ${maxAbstractions} abstractions`)
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((a, i) => {
        const key = a.name.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [i, "name"],
            message: `"${a.name}" repeats abstraction ${first}: every abstraction must be distinct`,
          });
        else seen.set(key, i);
      });
    })
    .transform((list) =>
      list.map((a) => ({ name: a.name, description: a.description, files: [...new Set(a.file_indices)].sort((x, y) => x - y) })),
    );
}

/** The project summary and the relationships between abstractions, as AnalyzeRelationships asks for them. */
export function relationshipsSchema(abstractionCount: number) {
  return z
    .object(
      {
        summary: text("summary"),
        relationships: z.array(
          z.object({
            from_abstraction: indexRef(abstractionCount, "abstraction"),
            to_abstraction: indexRef(abstractionCount, "abstraction"),
            label: text("label"),
          }),
          { error: "relationships must be a YAML list" },
        ),
      },
      { error: "the reply must be a YAML mapping with `summary` and `relationships`" },
    )
    .transform(({ summary, relationships }) => ({
      summary,
      relationships: relationships.map((r) => ({ from: r.from_abstraction, to: r.to_abstraction, label: r.label })),
    }));
}

/** The teaching order as OrderChapters asks for it: every abstraction exactly once. */
export function orderSchema(names: readonly string[]) {
  return z
    .array(indexRef(names.length, "abstraction"), { error: "the reply must be a YAML list of abstraction indices" })
    .superRefine((order, ctx) => {
      const seen = new Set<number>();
      order.forEach((index, i) => {
        if (seen.has(index))
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `abstraction ${index} # ${names[index]} is listed twice: list each exactly once`,
          });
        seen.add(index);
      });
      const missing = names.map((name, i) => (seen.has(i) ? "" : `${i} # ${name}`)).filter(Boolean);
      if (missing.length > 0)
        ctx.addIssue({ code: "custom", message: `the order is missing ${missing.join(", ")}: list every abstraction exactly once` });
    });
}

/** Per-file summaries of one group of files: exactly one for each file the group showed. */
export function fileSummariesSchema(fileCount: number, expected: readonly number[]) {
  return z
    .array(z.object({ file_index: indexRef(fileCount, "file"), summary: text("summary") }), {
      error: "the reply must be a YAML list of {file_index, summary}",
    })
    .superRefine((list, ctx) => {
      const wanted = new Set(expected);
      const seen = new Set<number>();
      list.forEach((entry, i) => {
        if (!wanted.has(entry.file_index))
          ctx.addIssue({
            code: "custom",
            path: [i, "file_index"],
            message: `file ${entry.file_index} was not shown: summarise only files ${expected.join(", ")}`,
          });
        else if (seen.has(entry.file_index))
          ctx.addIssue({
            code: "custom",
            path: [i, "file_index"],
            message: `file ${entry.file_index} is summarised twice: one summary per file`,
          });
        seen.add(entry.file_index);
      });
      const missing = expected.filter((i) => !seen.has(i));
      if (missing.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `no summary for file${missing.length === 1 ? "" : "s"} ${missing.join(", ")}: summarise every file shown`,
        });
    })
    .transform((list) => list.map((entry) => ({ file: entry.file_index, summary: entry.summary })));
}

/** The summary of a range of files, when even per-file summaries are too many for one prompt. */
export const groupSummarySchema = z.object({ summary: text("summary") }, { error: "the reply must be a YAML mapping with `summary`" });

export type Abstraction = z.output<ReturnType<typeof abstractionsSchema>>[number];
export type Relationships = z.output<ReturnType<typeof relationshipsSchema>>;
export type Relationship = Relationships["relationships"][number];
