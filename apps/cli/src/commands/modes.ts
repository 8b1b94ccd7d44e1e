import { listModes, showMode } from "@millrace/compiler";
import { explainUnsafeId, MillraceError, type ModeSummary } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

function modeLine(mode: ModeSummary): string {
  const loops = Object.entries(mode.loop_ids_by_plane)
    .map(([plane, loop]) => `${plane}=${loop}`)
    .join(" ");
  const aliases = mode.aliases.length > 0 ? ` aliases=${mode.aliases.join(",")}` : "";
  return `${mode.mode_id}: ${loops} runners=${mode.runners.join(",") || "default"}${aliases}\n`;
}

/** `modes ls` lists every mode the workspace can select; `modes show <id>` prints one. */
export const modesCommand: MillraceCommand<{ action: "ls" | "show"; id?: string }> = {
  command: "modes <action> [id]",
  describe: "List the modes (workspace and packaged), or show one",
  builder: (yargs) =>
    yargs
      .positional("action", {
        choices: ["ls", "list", "show"] as const,
        describe: "ls: every mode; show: one mode",
      })
      .positional("id", { type: "string", describe: "show: mode id or alias" }),
  examples: [
    ["$0 modes ls", "Every mode with its loops and runners"],
    ["$0 modes show learning_codex --json", "One mode's definition as JSON"],
  ],
  handler(args, ctx) {
    requireInitialized(ctx.workspace);
    if (args.action === "show") {
      if (!args.id) {
        throw new MillraceError("usage_invalid_argument", "modes show needs a mode id", {
          hint: "Run `millrace modes ls` to see the ids, then `millrace modes show <id>`.",
        });
      }
      const problem = explainUnsafeId(args.id);
      if (problem)
        throw new MillraceError("invalid_id", `invalid mode id ${JSON.stringify(args.id)}: ${problem}`);
      const shown = showMode(ctx.workspace, args.id);
      if (!shown) {
        throw new MillraceError(
          "mode_not_found",
          `no mode ${args.id} exists in the workspace or the packaged baseline`,
        );
      }
      ctx.emit(
        () =>
          keyValueLines({
            mode_id: shown.summary.mode_id,
            aliases: shown.summary.aliases,
            path: shown.summary.path,
            description: shown.summary.description,
            loop_ids_by_plane: shown.summary.loop_ids_by_plane,
            runners: shown.summary.runners,
            learning_trigger_rules: shown.summary.learning_trigger_rules,
            concurrency_policy: shown.summary.concurrency_policy,
          }),
        { ...shown.summary, definition: shown.definition },
      );
      return 0;
    }
    const listing = listModes(ctx.workspace);
    ctx.emit(
      () =>
        listing.modes.map(modeLine).join("") + listing.invalid.map((line) => `invalid: ${line}\n`).join(""),
      listing,
    );
    return 0;
  },
};
