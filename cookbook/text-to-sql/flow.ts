import type { LLM } from "@flowlet/llm";
import type Database from "better-sqlite3";
import { Flow } from "flowlet";
import { Answer, DebugSQL, ExecuteSQL, GenerateSQL, GetSchema, type SqlStore } from "./nodes.js";

/** GetSchema → GenerateSQL → ExecuteSQL ⇄ DebugSQL (at most `maxDebugAttempts` times) → Answer. */
export function createTextToSqlFlow(llm: LLM, db: Database.Database, maxDebugAttempts = 3): Flow<SqlStore> {
  const getSchema = new GetSchema(db);
  const execute = new ExecuteSQL(db, maxDebugAttempts);
  getSchema.next(new GenerateSQL(llm)).next(execute);
  execute.on("error", new DebugSQL(llm)).next(execute);
  execute.on("ok", new Answer(llm));
  return new Flow(getSchema, { name: "TextToSQL" });
}
