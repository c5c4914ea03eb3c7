import type { LLM } from "@flowlet/llm";
import type Database from "better-sqlite3";
import { Node, type NodeContext } from "flowlet";
import { type QueryResult, describeSchema, runQuery } from "./database.js";

export interface SqlStore {
  question: string;
  schema?: string;
  sql?: string;
  /** The last SQL error, while the debug loop runs. */
  error?: string;
  debugAttempts: number;
  result?: QueryResult;
  answer?: string;
}

/** The model's reply may wrap the SQL in a Markdown fence; only the statement is wanted. */
export function extractSql(reply: string): string {
  const fenced = /```(?:sql)?\s*\n([\s\S]*?)```/i.exec(reply);
  return (fenced ? fenced[1]! : reply).trim().replace(/;\s*$/, "");
}

export class GetSchema extends Node<SqlStore, undefined, string> {
  constructor(private readonly db: Database.Database) {
    super();
  }
  override exec(): string {
    return describeSchema(this.db);
  }
  override post(shared: SqlStore, _prep: undefined, schema: string): undefined {
    shared.schema = schema;
  }
}

export class GenerateSQL extends Node<SqlStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: SqlStore): string {
    return `SQLite schema:\n${shared.schema}\n\nWrite one SQLite SELECT query that answers: ${shared.question}\nReply with the SQL only.`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return extractSql((await this.llm.chat(prompt, { signal: ctx.signal })).text);
  }
  override post(shared: SqlStore, _prompt: string, sql: string): undefined {
    shared.sql = sql;
  }
}

type Outcome = { ok: true; result: QueryResult } | { ok: false; error: string };

/** Runs the SQL; on an SQL error goes to "error" (the debug step), until `maxDebugAttempts` are spent. */
export class ExecuteSQL extends Node<SqlStore, string, Outcome> {
  constructor(
    private readonly db: Database.Database,
    private readonly maxDebugAttempts: number,
  ) {
    super();
  }
  override prep(shared: SqlStore): string {
    return shared.sql ?? "";
  }
  override exec(sql: string): Outcome {
    try {
      return { ok: true, result: runQuery(this.db, sql) };
    } catch (error) {
      // SQLite's message ("no such column: x") is exactly what the debug step needs to see.
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  override post(shared: SqlStore, sql: string, outcome: Outcome): string {
    if (outcome.ok) {
      shared.result = outcome.result;
      shared.error = undefined;
      return "ok";
    }
    shared.error = outcome.error;
    if (shared.debugAttempts >= this.maxDebugAttempts) throw new SqlDebugLimitError(sql, outcome.error, shared.debugAttempts);
    return "error";
  }
}

export class DebugSQL extends Node<SqlStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: SqlStore): string {
    shared.debugAttempts += 1;
    return [
      `SQLite schema:\n${shared.schema}`,
      `Question: ${shared.question}`,
      `This query failed:\n${shared.sql}`,
      `SQLite said: ${shared.error}`,
      "Reply with the corrected SQL only.",
    ].join("\n\n");
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return extractSql((await this.llm.chat(prompt, { signal: ctx.signal })).text);
  }
  override post(shared: SqlStore, _prompt: string, sql: string): undefined {
    shared.sql = sql;
  }
}

export class Answer extends Node<SqlStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: SqlStore): string {
    const { columns, rows } = shared.result!;
    const table = [columns.join(" | "), ...rows.map((row) => row.map(String).join(" | "))].join("\n");
    return `Question: ${shared.question}\nSQL: ${shared.sql}\nRows:\n${table}\n\nAnswer the question in one or two sentences from these rows.`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return (await this.llm.chat(prompt, { signal: ctx.signal })).text.trim();
  }
  override post(shared: SqlStore, _prompt: string, answer: string): undefined {
    shared.answer = answer;
  }
}

/** The debug loop gave up: the last SQL still fails. */
export class SqlDebugLimitError extends Error {
  override name = "SqlDebugLimitError";
  constructor(
    readonly sql: string,
    readonly sqliteError: string,
    readonly attempts: number,
  ) {
    super(`The SQL still fails after ${attempts} debug attempt(s): ${sqliteError}. Rephrase the question, or raise maxDebugAttempts.`);
  }
}
