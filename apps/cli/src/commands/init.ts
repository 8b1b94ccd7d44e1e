import path from "node:path";
import { initWorkspace } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

interface InitArgs {
  path?: string;
  force: boolean;
}

export const initCommand: MillraceCommand<InitArgs> = {
  command: "init [path]",
  describe: "Create a Millrace workspace (millrace-agents/) in a folder",
  builder: (yargs) =>
    yargs
      .positional("path", {
        type: "string",
        describe: "Workspace root (default: --workspace, or the current folder)",
      })
      .option("force", {
        type: "boolean",
        default: false,
        describe:
          "Re-deploy the managed baseline files into an existing workspace (queues, state and config are kept)",
      }),
  examples: [
    ["$0 init .", "Initialize the current repository"],
    ["$0 init --force", "Restore the packaged baseline files of an existing workspace"],
  ],
  handler(args, ctx) {
    const target = args.path ? path.resolve(ctx.io.cwd, args.path) : ctx.workspace;
    const report = initWorkspace(target, { force: args.force });
    ctx.emit(
      () =>
        keyValueLines({
          workspace: report.workspace,
          initialized: report.initialized,
          forced: report.forced,
          created_directories: report.created_directories,
          written_files: report.written_files.length,
          baseline_manifest_id: report.baseline_manifest_id,
        }),
      report,
    );
  },
};
