import { readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Connection, createLLM, LLMConfigError, LLMError, LLMTimeoutError, resolveLLMConfig } from "@flowlet/llm";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { FlowletError } from "flowlet";
import { InterruptedError, OutputPathError } from "./errors.js";
import { detectLocalLLM, probeTargets } from "./local-llm.js";
import { generateOfflineTutorial, STRUCTURE_ONLY_NOTICE } from "./offline/index.js";
import { checkOutputFolder } from "./output.js";
import { PipelineConfigError, PipelineError, ResumeMismatchError } from "./pipeline/errors.js";
import { createProgress, type Progress } from "./progress.js";
import {
  checkDirectory,
  DEFAULT_EXCLUDE,
  DEFAULT_INCLUDE,
  DirectoryNotFoundError,
  FileSelector,
  InvalidRepositoryUrlError,
  type LoadedSource,
  loadSource,
  SourceError,
  usageSelector,
} from "./source/index.js";

/** The options after parsing, as commander names them. */
type Options = {
  dir?: string;
  repo?: string;
  name?: string;
  token?: string;
  include?: string[];
  exclude?: string[];
  maxSize: number;
  language: string;
  maxAbstractions: number;
  output: string;
  cache: boolean;
  concurrency: number;
  contextTokens?: number;
  maxOutputTokens?: number;
  timeout: number;
  llm?: "none" | "openai" | "anthropic" | "gemini";
  dryRun?: boolean;
  resume?: boolean;
};

/** Exit codes: 2 for invalid options, sources or configuration (nothing ran), 1 for a run that failed, 130 for Ctrl-C. */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`Expected a whole number of at least ${min}.`);
    return n;
  };
}

/** The command line: every option with its help text and default. */
function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return new Command("flowlet-tutorial")
    .description(
      "Turn a codebase into a beginner-friendly tutorial: index.md and one Markdown chapter per core concept, written by an LLM.\n" +
        "Without an LLM configured (FLOWLET_LLM_PROVIDER etc.) it writes a structure-only tutorial by static analysis.",
    )
    .version(version, "-V, --version")
    .addOption(new Option("--dir <path>", 'local folder to explain (the default source, ".", when no --repo is given)').conflicts("repo"))
    .addOption(
      new Option(
        "--repo <url>",
        "repository to explain: https://github.com/owner/repo[/tree/<branch>/<dir>] (GitHub API), or any git URL (ssh, .git, file://: shallow clone)",
      ),
    )
    .option("-n, --name <name>", "project name (default: the repository or folder name)")
    .addOption(
      new Option("-t, --token <token>", "GitHub token for --repo (raises the rate limit, reads private repositories)").env("GITHUB_TOKEN"),
    )
    .option(
      "-i, --include <globs...>",
      `files to explain; replaces the default list (${DEFAULT_INCLUDE.join(" ")}). A glob without "/" matches names at any depth, one with "/" matches paths from the root`,
    )
    .option(
      "-e, --exclude <globs...>",
      `files and folders to skip; replaces the default list (${DEFAULT_EXCLUDE.join(" ")}). A trailing "/" matches folders only. .gitignore files always apply`,
    )
    .option("-s, --max-size <bytes>", "skip files larger than this many bytes", integer(1), 100_000)
    .option("--language <language>", "language to write the tutorial in", "english")
    .option("--max-abstractions <n>", "most core concepts (chapters) to identify", integer(1), 10)
    .option("-o, --output <dir>", "output folder; the tutorial goes to <dir>/<name>/", "output")
    .option("--no-cache", "do not use the LLM response cache (<output>/.flowlet/cache)")
    .option("--concurrency <n>", "LLM calls (chapters) in flight at once", integer(1), 4)
    .option(
      "--context-tokens <n>",
      "the model's context window in tokens; prompts are kept within it (default: the model's, from @flowlet/llm's table; 8192 for an unknown model)",
      integer(1),
    )
    .option(
      "--max-output-tokens <n>",
      "the model's output cap in tokens; every reply is asked to fit it (default: the model's; 4096 for an unknown model)",
      integer(256),
    )
    .option(
      "--timeout <seconds>",
      "longest wait for one answer of the model (per attempt); a server that stays silent longer is given up on",
      integer(1),
      120,
    )
    .addOption(
      new Option(
        "--llm <provider>",
        "LLM to use (default: FLOWLET_LLM_PROVIDER with FLOWLET_LLM_MODEL, FLOWLET_LLM_API_KEY, FLOWLET_LLM_BASE_URL; if unset, a local Ollama, LM Studio or llama.cpp server when one runs, else none)",
      ).choices(["none", "openai", "anthropic", "gemini"]),
    )
    .option("--dry-run", "list the selected files, the token estimate and the planned LLM calls, then stop (no LLM call)")
    .option("--resume", "continue the last failed or interrupted run of this project from its checkpoint (<output>/.flowlet/checkpoints)")
    .exitOverride()
    .allowExcessArguments(false);
}

/** Parses `argv`, runs, and resolves to the process exit code. Never throws. */
async function main(argv: readonly string[]): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  const program = buildProgram().configureOutput({
    writeOut: (text) => out.write(text),
    writeErr: (text) => err.write(text),
    outputError: (text, write) => write(`${text.trimEnd()} (see flowlet-tutorial --help)\n`),
  });
  let options: Options;
  try {
    options = program.parse(argv as string[]).opts<Options>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }

  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort(new InterruptedError());
  };
  process.on("SIGINT", interrupt);
  const progress = createProgress(err);
  const secret = options.token;
  const state = { usesLLM: false };
  try {
    return await run(options, progress, out, controller.signal, state);
  } catch (error) {
    progress.stop();
    const { message, code } = explain(error, controller.signal, options, state.usesLLM);
    err.write(`${secret ? message.replaceAll(secret, "***") : message}\n`);
    return code;
  } finally {
    progress.stop();
    process.removeListener("SIGINT", interrupt);
  }
}

async function run(
  options: Options,
  progress: Progress,
  out: NodeJS.WriteStream,
  signal: AbortSignal,
  state: { usesLLM: boolean },
): Promise<number> {
  // Resolve the LLM first: a configuration mistake should not cost a GitHub download.
  const connection = await resolveConnection(options.llm, (message) => progress.log(message), signal);
  state.usesLLM = connection !== undefined;
  const print = (line = "") => out.write(`${line}\n`);

  const dir = options.dir ?? ".";
  if (!options.repo) await checkDirectory(dir);
  await checkOutputFolder(options.output);
  progress.update({ stage: "reading files" });
  // A tutorial written inside the folder it explains must not be read back on the next run.
  const outputInside = options.repo ? "" : relative(resolve(dir), resolve(options.output)).split(sep).join("/");
  const excludeOutput = outputInside && !outputInside.startsWith("..") && !isAbsolute(outputInside) ? [`/${outputInside}/`] : [];
  const exclude = [...(options.exclude ?? DEFAULT_EXCLUDE), ...excludeOutput];
  const source = await loadSource(options.repo ? { repo: options.repo } : { dir }, {
    selector: new FileSelector(options.include ?? DEFAULT_INCLUDE, exclude),
    // Offline, tests and examples are read too (from folders and clones), for the chapters' "In use" passages.
    ...(!connection && !options.dryRun && { companions: usageSelector(exclude) }),
    maxSize: options.maxSize,
    token: options.token,
    signal,
    onStatus: (message) => progress.log(message),
  });
  const projectName = options.name?.trim() || source.projectName;
  progress.update({ stage: "reading files", done: source.files.length, total: source.files.length });

  if (options.dryRun) {
    progress.stop();
    await printPlan(source, projectName, connection, options, print);
    return EXIT.ok;
  }

  if (!connection) {
    if (options.resume)
      progress.log("--resume has no effect without an LLM: the structure-only tutorial is rebuilt from scratch (it takes seconds).");
    const result = await generateOfflineTutorial({
      projectName,
      files: source.files,
      sourceUrl: source.sourceUrl,
      outputDir: options.output,
      maxChapters: options.maxAbstractions,
      companions: source.companions,
      onProgress: (event) => progress.update(event),
    });
    progress.stop();
    print(STRUCTURE_ONLY_NOTICE);
    print();
    printResult(result, source, print);
    return EXIT.ok;
  }

  // Loaded only when an LLM is used: offline runs never pay for the pipeline's modules.
  const { generateTutorial } = await import("./pipeline/index.js");
  const stateDir = join(options.output, ".flowlet");
  const llm = clientFor(connection, options, options.cache ? join(stateDir, "cache") : false);
  const { limits } = llm;
  progress.log(
    `Using ${connection.provider} model ${connection.model} at ${connection.baseURL}: ${limits.contextTokens.toLocaleString("en-US")}-token context, ${limits.maxOutputTokens.toLocaleString("en-US")}-token replies (${limitsSource(limits.source)}).`,
  );
  const result = await generateTutorial({
    projectName,
    files: source.files,
    sourceUrl: source.sourceUrl,
    llm,
    outputDir: options.output,
    language: options.language,
    maxAbstractions: options.maxAbstractions,
    concurrency: options.concurrency,
    contextTokens: limits.contextTokens,
    maxOutputTokens: limits.maxOutputTokens,
    callBudget: { maxAttempts: 5, deadlineMs: Math.max(600_000, options.timeout * 1000 * 5 + 60_000) },
    useCache: options.cache,
    cacheDir: join(stateDir, "cache"),
    checkpointDir: join(stateDir, "checkpoints"),
    resume: options.resume ?? false,
    // Notes about the run itself (nothing to resume, resuming after a step) stay on screen.
    onProgress: (event) => (event.stage === "resume" && event.message ? progress.log(event.message) : progress.update(event)),
    signal,
  });
  progress.stop();
  printResult(result, source, print);
  return EXIT.ok;
}

/** The client for `connection`, with the limits, timeout and concurrency the options set. */
function clientFor(connection: Connection, options: Options, cache: string | false) {
  return createLLM({
    provider: connection.provider,
    model: connection.model,
    baseURL: connection.baseURL,
    ...(connection.apiKey !== undefined && { apiKey: connection.apiKey }),
    ...(options.contextTokens !== undefined && { contextTokens: options.contextTokens }),
    ...(options.maxOutputTokens !== undefined && { maxOutputTokens: options.maxOutputTokens }),
    cache,
    maxConcurrency: options.concurrency,
    timeoutMs: options.timeout * 1000,
  });
}

function limitsSource(source: string): string {
  return source === "table"
    ? "known model"
    : source === "default"
      ? "unknown model: set --context-tokens and --max-output-tokens to its real limits"
      : "as configured";
}

/**
 * The LLM to use: `--llm` overrides the provider, the rest comes from FLOWLET_LLM_*. With neither,
 * a local OpenAI-compatible server (Ollama, LM Studio, llama.cpp) is looked for on its default port
 * (FLOWLET_LLM_PROBE overrides the addresses), and `undefined`, offline, only when none answers.
 */
async function resolveConnection(
  flag: Options["llm"],
  say: (message: string) => void,
  signal: AbortSignal,
): Promise<Connection | undefined> {
  if (flag === "none") return undefined;
  const env = process.env;
  const configured = flag || env.FLOWLET_LLM_PROVIDER?.trim() || env.FLOWLET_LLM_BASE_URL?.trim() || env.FLOWLET_LLM_API_KEY?.trim();
  if (configured) return resolveLLMConfig({}, flag ? { ...env, FLOWLET_LLM_PROVIDER: flag } : env);
  const preferred = env.FLOWLET_LLM_MODEL?.trim() || undefined;
  const local = await detectLocalLLM(probeTargets(env), { preferred, signal });
  if (!local) return undefined;
  const others = local.models.length > 1 ? ` (it lists ${local.models.length} models; set FLOWLET_LLM_MODEL to choose another)` : "";
  say(
    `No LLM configured: found ${local.name} at ${local.baseURL}, using its model ${local.model}${others}. Pass --llm none for the structure-only tutorial.`,
  );
  return resolveLLMConfig({ provider: "openai", baseURL: local.baseURL, model: local.model });
}

async function printPlan(
  source: LoadedSource,
  projectName: string,
  connection: Connection | undefined,
  options: Options,
  print: (line?: string) => void,
) {
  const { planTutorial } = await import("./pipeline/index.js");
  const bytes = source.files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  print(`Project: ${projectName} (${source.description})`);
  print(`Files: ${source.files.length} selected, ${bytes.toLocaleString("en-US")} bytes`);
  for (const file of source.files) print(`  ${file.path}  ${Buffer.byteLength(file.content).toLocaleString("en-US")} B`);
  if (source.skipped.length) {
    print(`Skipped: ${source.skipped.length}`);
    for (const file of source.skipped)
      print(`  ${file.path}  (${file.reason.replace("-", " ")}${file.size ? `, ${file.size.toLocaleString("en-US")} B` : ""})`);
  }
  // Without an LLM the plan is for a typical hosted model (128k context, 16k replies).
  const limits = connection
    ? clientFor(connection, options, false).limits
    : { model: "gpt-4o", contextTokens: options.contextTokens ?? 128_000, maxOutputTokens: options.maxOutputTokens ?? 16_384 };
  const window = { contextTokens: limits.contextTokens, maxOutputTokens: limits.maxOutputTokens };
  const plan = planTutorial({
    files: source.files,
    maxAbstractions: options.maxAbstractions,
    window,
    model: limits.model,
    language: options.language,
    projectName,
  });
  const levels = plan.summaryCalls.length
    ? ` (the files exceed one prompt: ${plan.summaryCalls.map((n, i) => `${n} summary call${n === 1 ? "" : "s"} at level ${i + 1}`).join(", ")})`
    : "";
  print(
    `Model limits: ${window.contextTokens.toLocaleString("en-US")}-token context, ${window.maxOutputTokens.toLocaleString("en-US")}-token replies`,
  );
  print(
    `Estimated tokens: ${plan.estimatedTokens.toLocaleString("en-US")} sent, about ${plan.estimatedReplyTokens.toLocaleString("en-US")} received${levels}`,
  );
  if (connection) {
    print(`Planned LLM calls: ${plan.plannedCalls} to ${connection.provider} model ${connection.model}`);
  } else {
    print(`Planned LLM calls: 0 (no LLM configured: structure-only mode; with a 128k-token model this would be ${plan.plannedCalls})`);
  }
  print("Dry run: no LLM call was made and nothing was written.");
}

function printResult(result: { indexPath: string; chapterFiles: string[] }, source: LoadedSource, print: (line?: string) => void) {
  const shown = relative(process.cwd(), result.indexPath);
  print(
    `Wrote ${shown.startsWith("..") ? result.indexPath : shown} and ${result.chapterFiles.length} chapter${result.chapterFiles.length === 1 ? "" : "s"} from ${source.files.length} files.`,
  );
  if (source.skipped.length) {
    const reasons = new Map<string, number>();
    for (const file of source.skipped) reasons.set(file.reason, (reasons.get(file.reason) ?? 0) + 1);
    print(
      `Skipped ${source.skipped.length} files: ${[...reasons].map(([reason, n]) => `${n} ${reason.replace("-", " ")}`).join(", ")} (--dry-run lists them).`,
    );
  }
}

/** A one-line message and exit code for an error: what went wrong and what to do, never a stack trace. */
function explain(error: unknown, signal: AbortSignal, options: Options, usesLLM: boolean): { message: string; code: number } {
  // Only an LLM run has checkpoints to resume.
  const resume = usesLLM ? " Run the same command with --resume to continue from the last checkpoint." : "";
  if (signal.aborted) return { message: `Interrupted.${resume}`, code: EXIT.interrupted };
  const message = error instanceof Error ? error.message : String(error);
  const badInput =
    error instanceof DirectoryNotFoundError || error instanceof InvalidRepositoryUrlError || error instanceof OutputPathError;
  if (badInput || error instanceof LLMConfigError || error instanceof PipelineConfigError || error instanceof ResumeMismatchError) {
    return { message: `error: ${message}`, code: EXIT.usage };
  }
  if (error instanceof SourceError) return { message: `error: ${message}`, code: EXIT.failed };
  if (causes(error).some((cause) => cause instanceof LLMTimeoutError)) {
    return {
      message: `error: ${message} Raise --timeout (now ${options.timeout} s) for a slow model, or check that the server answers.${resume}`,
      code: EXIT.failed,
    };
  }
  if (error instanceof LLMError || error instanceof FlowletError || error instanceof PipelineError) {
    return { message: `error: ${message}${resume}`, code: EXIT.failed };
  }
  const detail = process.env.FLOWLET_DEBUG && error instanceof Error ? `\n${error.stack}` : "";
  return { message: `error: unexpected failure: ${message} (set FLOWLET_DEBUG=1 for details).${detail}`, code: EXIT.failed };
}

/** An error and its causes, outermost first (a node's failure wraps the LLM error that caused it). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 10; current = (current as { cause?: unknown }).cause)
    chain.push(current);
  return chain;
}

process.exitCode = await main(process.argv);
