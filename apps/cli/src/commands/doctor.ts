import { runDoctor } from "@millrace/workspace";
import { keyValueLines, type MillraceCommand } from "../command.js";

export const doctorCommand: MillraceCommand = {
  command: "doctor",
  describe:
    "Check the workspace's health (folders, files, manifest, state, config, lock); exit 1 on any error",
  examples: [["$0 doctor --json", "The health report as JSON"]],
  handler(_args, ctx) {
    const report = runDoctor(ctx.workspace);
    ctx.emit(() => {
      const head = keyValueLines({ ok: report.ok, errors: report.errors, warnings: report.warnings });
      const lines = report.checks
        .filter((check) => check.status !== "ok")
        .map(
          (check) =>
            `${check.status}: ${check.code} ${check.path ?? "none"} ${check.message}\n${check.hint ? `  hint: ${check.hint}\n` : ""}`,
        );
      return head + lines.join("");
    }, report);
    return report.ok ? 0 : 1;
  },
};
