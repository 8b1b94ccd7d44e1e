import type { FullDoctorReport } from "@millrace/contracts";
import { keyValueLines, type MillraceCommand } from "../command.js";

function doctorText(report: FullDoctorReport): string {
  const head = keyValueLines({
    ok: report.ok,
    errors: report.errors,
    warnings: report.warnings,
    mode_id: report.mode_id,
  });
  const runners = report.runners.map(
    (runner) =>
      `runner: ${runner.runner} command=${runner.resolved_path ?? runner.command ?? "in-process"} version=${runner.version ?? "unknown"} credentials=${runner.credentials}${runner.credential_source ? `(${runner.credential_source})` : ""}\n`,
  );
  const problems = report.checks
    .filter((check) => check.status !== "ok")
    .map(
      (check) =>
        `${check.status}: ${check.code} ${check.path ?? "none"} ${check.message}\n${check.hint ? `  hint: ${check.hint}\n` : ""}`,
    );
  return head + runners.join("") + problems.join("");
}

export const doctorCommand: MillraceCommand = {
  command: "doctor",
  describe:
    "Check the workspace's health: folders, files, config, lock, plan currentness, queue consistency and each runner the mode uses; exit 1 on any error",
  examples: [
    ["$0 doctor", "One line per warning or error, each with a hint"],
    ["$0 doctor --json", "Every check with its code (docs/troubleshooting.md explains each)"],
  ],
  async handler(_args, ctx) {
    // Loaded on demand so other commands do not pay for the scheduler at start-up.
    const { runFullDoctor } = await import("@millrace/scheduler");
    const report = await runFullDoctor(ctx.workspace, { env: ctx.io.env });
    ctx.emit(() => doctorText(report), report);
    return report.ok ? 0 : 1;
  },
};
