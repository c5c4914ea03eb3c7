/**
 * Zero-setup local models: with no LLM configured, the CLI looks for an OpenAI-compatible server on
 * the default ports of the usual local runners, and uses the first one that lists a model.
 */

/** A server to probe: a name for the user, and its OpenAI-compatible base URL (ending in `/v1`). */
export type ProbeTarget = { name: string; baseURL: string };

/** A local server that answered, and the model chosen from what it lists. */
export type LocalServer = ProbeTarget & { model: string; models: string[] };

/** Ollama (OpenAI-compatible under /v1), LM Studio and llama.cpp's `llama-server`, on their default ports. */
export const DEFAULT_PROBE_TARGETS: readonly ProbeTarget[] = [
  { name: "Ollama", baseURL: "http://127.0.0.1:11434/v1" },
  { name: "LM Studio", baseURL: "http://127.0.0.1:1234/v1" },
  { name: "llama.cpp", baseURL: "http://127.0.0.1:8080/v1" },
];

/** How long a probe waits: a local server answers /v1/models in milliseconds, and a closed port refuses at once. */
const PROBE_TIMEOUT_MS = 1500;

/**
 * The addresses to probe. `FLOWLET_LLM_PROBE` overrides the defaults: `off` (or empty) probes
 * nothing; otherwise a comma-separated list of base URLs, each optionally named (`Name=URL`).
 */
export function probeTargets(env: Record<string, string | undefined>): ProbeTarget[] {
  const value = env.FLOWLET_LLM_PROBE;
  if (value === undefined) return [...DEFAULT_PROBE_TARGETS];
  if (value.trim() === "" || value.trim().toLowerCase() === "off") return [];
  return value.split(",").flatMap((item) => {
    const text = item.trim();
    if (!text) return [];
    const named = /^([^=]+)=(.+)$/.exec(text);
    const baseURL = (named ? named[2]! : text).trim().replace(/\/+$/, "");
    return [{ name: named ? named[1]!.trim() : new URL(baseURL).host, baseURL }];
  });
}

/**
 * Asks every target for `GET <baseURL>/models` at once and returns the first, in `targets` order,
 * that lists a chat model: `preferred` when it lists that one, else the first that is not an
 * embedding model. `undefined` when none answers.
 */
export async function detectLocalLLM(
  targets: readonly ProbeTarget[],
  options: { preferred?: string; signal?: AbortSignal } = {},
): Promise<LocalServer | undefined> {
  const answers = await Promise.all(targets.map((target) => listModels(target, options.signal)));
  for (const [i, models] of answers.entries()) {
    const chat = models?.filter((id) => !/embed/i.test(id)) ?? [];
    if (chat.length === 0) continue;
    const model = options.preferred && models!.includes(options.preferred) ? options.preferred : chat[0]!;
    return { ...targets[i]!, model, models: models! };
  }
  return undefined;
}

async function listModels(target: ProbeTarget, signal?: AbortSignal): Promise<string[] | undefined> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const response = await fetch(`${target.baseURL}/models`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { data?: unknown };
    if (!Array.isArray(body.data)) return undefined;
    return body.data.flatMap((entry) =>
      entry && typeof entry === "object" && typeof (entry as { id?: unknown }).id === "string" ? [(entry as { id: string }).id] : [],
    );
  } catch {
    // Nothing listens there, or something that is not an OpenAI-compatible server does.
    return undefined;
  }
}
