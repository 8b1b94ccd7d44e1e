import path from "node:path";
import { applyUpgrade, previewUpgrade, readLocalizeRemovedFile } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

interface UpgradeArgs {
  apply: boolean;
  force: boolean;
  "localize-removed"?: string[];
  "localize-removed-from"?: string;
  verbose?: boolean;
}

/** Entries an upgrade leaves exactly as they are; listed only with --verbose. */
const QUIET_DISPOSITIONS = new Set(["unchanged", "already_converged"]);

export const upgradeCommand: MillraceCommand<UpgradeArgs> = {
  command: "upgrade",
  describe: "Compare the workspace's managed baseline with the installed package, and apply safe updates",
  builder: (yargs) =>
    yargs
      .option("apply", {
        type: "boolean",
        default: false,
        describe: "Write the updates (default: preview only)",
      })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "With --apply: take the packaged version of conflicting and locally modified files",
      })
      .option("localize-removed", {
        type: "string",
        array: true,
        describe:
          "A file the package removed that you keep as your own (path inside millrace-agents/; repeatable)",
      })
      .option("verbose", {
        type: "boolean",
        default: false,
        describe:
          "List every managed file, including unchanged ones (default: only what changes or needs you)",
      })
      .option("localize-removed-from", {
        type: "string",
        describe: "A file listing such paths, one per line (# starts a comment)",
      }),
  examples: [
    ["$0 upgrade", "Preview what an upgrade would change"],
    ["$0 upgrade --apply", "Apply package updates; local edits are kept"],
    ["$0 upgrade --verbose", "Also list the files that stay as they are"],
  ],
  handler(args, ctx) {
    const fromFile = args["localize-removed-from"]
      ? readLocalizeRemovedFile(path.resolve(ctx.io.cwd, args["localize-removed-from"]))
      : [];
    const options = { localizeRemoved: [...(args["localize-removed"] ?? []), ...fromFile] };
    const report = args.apply
      ? applyUpgrade(ctx.workspace, { ...options, force: args.force })
      : previewUpgrade(ctx.workspace, options);
    ctx.emit(() => {
      const head = keyValueLines({
        applied: report.applied,
        baseline_manifest_id: report.baseline_manifest_id,
        candidate_manifest_id: report.candidate_manifest_id,
        ...(report.applied ? { result_manifest_id: report.result_manifest_id } : {}),
        ...report.counts,
      });
      const shown = args.verbose
        ? report.entries
        : report.entries.filter((entry) => !QUIET_DISPOSITIONS.has(entry.disposition));
      const entries = shown.map((entry) => `entry: ${entry.relative_path} ${entry.disposition}\n`).join("");
      const hidden = report.entries.length - shown.length;
      const note = hidden > 0 ? `entries_not_listed: ${hidden} (unchanged; --verbose lists them)\n` : "";
      return head + entries + note;
    }, report);
  },
};
