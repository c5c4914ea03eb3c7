import { parseArgs } from "node:util";
import { StudioError, StudioOptionsError } from "./errors.js";
import { startStudio } from "./server/start.js";

const USAGE = `Usage: flowlet-studio --checkpoints <dir | sqlite file | postgres url> [options]

  --checkpoints, -c  where the runs are: a FileSaver folder, a SQLite file, a postgres:// URL
  --flow, -f         the flow's module (default export or \`flow\`): answer interrupts and fork from the UI;
                     repeat it for several flows (each run goes to the flow of its graph)
  --port, -p         default: a free port
  --host             default 127.0.0.1; any other address needs a token
  --token            the token for a non-loopback host (default: one is made up and printed);
                     also read from FLOWLET_STUDIO_TOKEN
  --help, -h`;

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse().values;
  } catch (error) {
    throw new StudioOptionsError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  if (!values.checkpoints) throw new StudioOptionsError(`Give --checkpoints: where your runs are saved.\n\n${USAGE}`);
  const studio = await startStudio({
    checkpoints: values.checkpoints,
    flow: values.flow,
    host: values.host,
    port: values.port === undefined ? undefined : Number(values.port),
    token: values.token ?? process.env.FLOWLET_STUDIO_TOKEN,
  });
  console.log(`Flowlet Studio: ${studio.url}`);
  console.log(`  runs from ${studio.saver.name}${values.flow ? `, flows from ${values.flow.join(", ")}` : ""}. Ctrl-C to stop.`);
  const stop = () => void studio.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function parse() {
  return parseArgs({
    options: {
      checkpoints: { type: "string", short: "c" },
      flow: { type: "string", short: "f", multiple: true },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      token: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

main().catch((error: unknown) => {
  if (error instanceof StudioError) {
    console.error(`flowlet-studio: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
