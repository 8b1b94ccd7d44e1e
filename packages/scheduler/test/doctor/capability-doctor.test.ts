import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CapabilityRequestSchema,
  type CompiledRunPlan,
  type FullDoctorReport,
  MillraceConfigSchema,
} from "@millrace/contracts";
import { createRunnerRegistry } from "@millrace/runners";
import { initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { capabilityChecks } from "../../src/doctor/capability-checks.js";
import { runFullDoctor } from "../../src/doctor/index.js";

function workspace(config: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "millrace-capdoctor-"));
  initWorkspace(root);
  writeFileSync(workspacePaths(root).configFile, config);
  return root;
}

const env = { PATH: "", HOME: os.tmpdir() };

function capabilityFindings(report: FullDoctorReport) {
  return report.checks.filter(
    (c) => c.code.startsWith("capability_") || c.code.startsWith("runner_permission"),
  );
}

describe("doctor: what runners make of the grants", () => {
  it("codex under the default policy: enforced, and no permission-level warning", async () => {
    const report = await runFullDoctor(workspace(""), { env });
    expect(capabilityFindings(report).map((c) => [c.code, c.status])).toEqual([
      ["capability_sandbox_ok", "ok"],
    ]);
    expect(capabilityFindings(report)[0]?.message).toBe("codex_cli: every stage's grants are enforced");
  });

  it("pi: the grants are advisory, and the warning names the runner", async () => {
    const report = await runFullDoctor(workspace('[runtime]\ndefault_mode = "default_pi"\n'), { env });
    const [advisory, ...rest] = capabilityFindings(report);
    expect(rest).toEqual([]);
    expect(advisory).toMatchObject({ code: "capability_sandbox_advisory", status: "warning" });
    expect(advisory?.message).toMatch(/^pi_rpc: execution\.builder, .*: advisory: Pi has no sandbox/);
    expect(advisory?.hint).toContain("fail_required_advisory");
  });

  it("every capability granted: a full-access warning naming the runner", () => {
    const config = MillraceConfigSchema.parse({
      execution_capabilities: {
        default_unknown_capability: "allow",
        defaults: { network_access: "allow", package_install: "allow", git_mutate: "allow" },
      },
    });
    const ids = [
      "workspace.write",
      "shell.run",
      "network.access",
      "git.mutate",
      "package.install",
      "runtime.control",
    ];
    const node = {
      node_id: "builder",
      stage_kind_id: "builder",
      plane: "execution",
      runner_name: "codex_cli",
      capability_requests: ids.map((id) =>
        CapabilityRequestSchema.parse({ request_id: id, capability_id: id, access: "execute" }),
      ),
    };
    const plan = { graphs_by_plane: { execution: { nodes: [node] } } } as unknown as CompiledRunPlan;
    const [full, ...rest] = capabilityChecks(config, plan, createRunnerRegistry());
    expect(rest).toEqual([]);
    expect(full).toMatchObject({ code: "capability_full_access", status: "warning" });
    expect(full?.message).toBe(
      "codex_cli: execution.builder: every capability granted workspace-wide: sandbox and approvals bypassed",
    );
  });

  it("a required capability the policy denies is an error", async () => {
    const report = await runFullDoctor(workspace('[execution_capabilities.defaults]\nshell_run = "deny"\n'), {
      env,
    });
    const denied = report.checks.find((c) => c.code === "capability_denied_by_policy");
    expect(denied?.status).toBe("error");
    expect(denied?.message).toMatch(
      /^codex_cli: execution\.builder, .*: shell\.run: deny by execution_capabilities\.defaults\.shell_run$/,
    );
    expect(report.ok).toBe(false);
  });

  it("execution capabilities off: the permission levels apply again", async () => {
    const report = await runFullDoctor(workspace("[execution_capabilities]\nenabled = false\n"), { env });
    expect(capabilityFindings(report).map((c) => c.code)).toEqual([
      "runner_permission_maximum",
      "capability_grants_off",
    ]);
  });
});
