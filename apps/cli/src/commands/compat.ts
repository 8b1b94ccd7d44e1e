import type { MillraceCommand } from "../command.js";
import { doctorCommand } from "./doctor.js";
import { runsCommand } from "./runs.js";

/** `health`: the original's name for `doctor`. */
export const healthCommand: MillraceCommand = {
  command: "health",
  describe: "Alias of `millrace doctor` (the original Millrace's spelling)",
  examples: [["$0 health", "Same as `millrace doctor`"]],
  handler: (args, ctx) => doctorCommand.handler(args, ctx),
};

interface ProvenanceArgs {
  run_id: string;
}

/** `run-provenance RUN_ID`: the original's name for `runs show RUN_ID`. */
export const runProvenanceCommand: MillraceCommand<ProvenanceArgs> = {
  command: "run-provenance <run_id>",
  describe: "Alias of `millrace runs show <run_id>` (the original Millrace's spelling)",
  builder: (yargs) =>
    yargs.positional("run_id", { type: "string", describe: "A run id, its short form, or `latest`" }),
  examples: [["$0 run-provenance latest", "Same as `millrace runs show latest`"]],
  handler: (args, ctx) => runsCommand.handler({ ...args, action: "show", run_id: args.run_id } as never, ctx),
};
