import type { MillraceCommand } from "../command.js";
import { cliVersion } from "../version.js";

export const versionCommand: MillraceCommand = {
  command: "version",
  describe: "Print the Millrace version",
  examples: [["$0 version --json", "Print the version as JSON"]],
  handler(_args, ctx) {
    ctx.emit(`millrace ${cliVersion}\n`, { name: "millrace", version: cliVersion, node: process.version });
  },
};
