import type { FullDoctorCheck, SupervisorHealth } from "@millrace/contracts";
import { runFullDoctor } from "@millrace/scheduler";

/** Checks whose failure means the workspace is not set up (init has not run, or was undone). */
const BOOTSTRAP_CODES = new Set([
  "workspace_not_initialized",
  "missing_directory",
  "missing_file",
  "baseline_manifest_missing",
]);

/** Failures that stop execution from starting: the plan does not compile or a runner is unusable. */
function blocksExecution(check: FullDoctorCheck): boolean {
  return check.group === "runners" || check.code === "plan_compile_error";
}

/**
 * The doctor's checks without the slow parts (no runner `--version` probes, no per-document queue
 * scan, no preview compile when the persisted plan is current): workspace, assets, config, lock,
 * plan currentness, runner executables and credentials.
 */
export async function readHealth(root: string): Promise<SupervisorHealth> {
  const report = await runFullDoctor(root, {
    probeVersions: false,
    queueChecks: false,
    reuseCurrentPlan: true,
  });
  const failed = report.checks.filter((check) => check.status === "error");
  const warned = report.checks.filter((check) => check.status === "warning");
  return {
    status: failed.length > 0 ? "fail" : warned.length > 0 ? "warn" : "pass",
    total_checks: report.checks.length,
    passed_checks: report.checks.length - failed.length - warned.length,
    warning_checks: warned.length,
    failed_checks: failed.length,
    bootstrap_ready: !failed.some((check) => BOOTSTRAP_CODES.has(check.code)),
    execution_ready: !failed.some(blocksExecution),
    problems: [...failed, ...warned].map((check) => ({
      code: check.code,
      status: check.status === "error" ? ("error" as const) : ("warning" as const),
      message: check.message,
      hint: check.hint,
    })),
  };
}
