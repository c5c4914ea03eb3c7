import { relative } from "node:path";
import { CreateFlowletError } from "./errors.js";
import { scaffold } from "./scaffold.js";

const USAGE = "Usage: npm create flowlet <directory> [-- --name <package-name>]";

/** `create-flowlet <dir> [--name <name>]`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const nameAt = args.indexOf("--name");
  const name = nameAt >= 0 ? args[nameAt + 1] : undefined;
  const [dir] = args.filter((arg, i) => !arg.startsWith("-") && (nameAt < 0 || i !== nameAt + 1));
  if (!dir || (nameAt >= 0 && !name)) {
    console.error(USAGE);
    return 2;
  }
  try {
    const project = scaffold({ dir, name });
    const rel = relative(process.cwd(), project.dir);
    const shown = rel.startsWith("..") ? project.dir : rel || ".";
    console.log(`Created ${project.name} in ${shown}: ${project.files.length} files.\n`);
    console.log(`  cd ${shown}\n  npm install\n  npm test\n\nThen read docs/design.md: design first, then nodes, then the flow.`);
    return 0;
  } catch (error) {
    if (!(error instanceof CreateFlowletError)) throw error;
    console.error(error.message);
    return 1;
  }
}
