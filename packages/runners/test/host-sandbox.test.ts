import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type CapabilityEnforcementRecord,
  type CapabilityGrant,
  CapabilityGrantSchema,
  type CapabilityId,
  RUN_ARTIFACT_NAMES,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { codexGrantEnforcement } from "../src/codex/grants.js";
import { codexHostSandboxProblem, codexProbeInvocation } from "../src/codex/host-sandbox.js";
import { createStageFixture, FAKE_CODEX_PATH, fakeRunnerConfig } from "../src/testing/index.js";
import { config, dispatch } from "./helpers.js";

function grant(capability: CapabilityId, enforcement: "advisory_only" | "runner_enforced" = "advisory_only") {
  return CapabilityGrantSchema.parse({
    request_id: capability.replace(".", "_"),
    capability_id: capability,
    access: "execute",
    scope: { kind: "workspace", value: "" },
    grant_id: `grant.node.${capability.replace(".", "_")}`,
    decision_state: "granted",
    enforcement_mode: enforcement,
    approval_policy_ref: null,
    evidence_status: "not_required",
    decision_reason: "granted by test",
    resolved_by: "policy",
    fingerprint: "grant-000000000000",
  });
}

const WRITE_AND_SHELL = (): CapabilityGrant[] => [grant("workspace.write"), grant("shell.run")];
const PROBLEM = "`codex sandbox -- /bin/true` failed (exit 1): landlock_restrict_self";

function probeLog(fx: { root: string }): string {
  return path.join(fx.root, "sandbox-probes.log");
}

function probes(log: string): number {
  return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
}

/** A config whose Codex is the fake CLI, answering its `sandbox` self-check as `sandbox` says. */
function codexConfig(
  fx: { root: string },
  sandbox: "ok" | "fail",
  unenforceable: "refuse" | "advisory" = "refuse",
) {
  return fakeRunnerConfig(
    "codex_cli",
    { recordPath: path.join(fx.root, "record.json") },
    {
      execution_capabilities: { unenforceable },
      runners: {
        codex: {
          env: {
            FAKE_CODEX_SANDBOX_LOG: probeLog(fx),
            ...(sandbox === "fail" ? { FAKE_CODEX_SANDBOX: "fail" } : {}),
          },
        },
      },
    },
  );
}

function enforcementRecord(fx: ReturnType<typeof createStageFixture>): CapabilityEnforcementRecord {
  const file = path.join(fx.runDir, RUN_ARTIFACT_NAMES.capabilityEnforcement(fx.request.request_id));
  return JSON.parse(readFileSync(file, "utf8")) as CapabilityEnforcementRecord;
}

function argv(fx: { root: string }): string {
  return (
    JSON.parse(readFileSync(path.join(fx.root, "record.json"), "utf8")) as { argv: string[] }
  ).argv.join(" ");
}

describe("Codex's verdict where the host cannot run its sandbox", () => {
  it("is unchanged, to the byte, where the sandbox works", () => {
    const grants = WRITE_AND_SHELL();
    expect(codexGrantEnforcement(grants, { problem: null, unenforceable: "advisory" })).toEqual(
      codexGrantEnforcement(grants),
    );
  });

  it("refuse: the grants are advisory with the host reason, and the sandbox flags stay (fail closed)", () => {
    const verdict = codexGrantEnforcement([...WRITE_AND_SHELL(), grant("workspace.read")], {
      problem: PROBLEM,
      unenforceable: "refuse",
    });
    expect(verdict.flags).toEqual(codexGrantEnforcement(WRITE_AND_SHELL()).flags);
    expect(verdict.host_sandbox_unavailable).toBe(PROBLEM);
    expect(verdict.support).toBe("advisory");
    expect(verdict.grants.map((g) => [g.capability_id, g.support, g.reason])).toEqual([
      ["workspace.write", "advisory", `host sandbox unavailable (${PROBLEM})`],
      ["shell.run", "advisory", `host sandbox unavailable (${PROBLEM})`],
      ["workspace.read", "enforced", "allowed with or without a sandbox"],
    ]);
    expect(verdict.summary).toMatch(/; the sandbox cannot run on this host$/);
  });

  it("advisory: Codex runs with no sandbox, and the summary says why", () => {
    const verdict = codexGrantEnforcement(WRITE_AND_SHELL(), { problem: PROBLEM, unenforceable: "advisory" });
    expect(verdict.flags).toEqual(["--sandbox", "danger-full-access", "-c", 'approval_policy="never"']);
    expect(verdict.summary).toContain('unenforceable = "advisory"');
  });

  it("everything granted: the bypass as before; there is no sandbox to miss", () => {
    const ids: CapabilityId[] = [
      "workspace.write",
      "shell.run",
      "network.access",
      "git.mutate",
      "package.install",
      "runtime.control",
    ];
    const grants = ids.map((id) => grant(id));
    expect(codexGrantEnforcement(grants, { problem: PROBLEM, unenforceable: "refuse" })).toEqual(
      codexGrantEnforcement(grants),
    );
  });
});

describe("the host probe", () => {
  it("runs the configured launcher's script, without the exec subcommand", () => {
    const launcher = config({ runners: { codex: { command: "node", args: [FAKE_CODEX_PATH, "exec"] } } });
    expect(codexProbeInvocation(launcher)).toEqual({ command: "node", args: [FAKE_CODEX_PATH] });
    expect(codexProbeInvocation(config())).toEqual({ command: "codex", args: [] });
    expect(
      codexProbeInvocation(config({ runners: { codex: { args: ["--profile", "ci", "e", "--json"] } } })),
    ).toEqual({ command: "codex", args: ["--profile", "ci"] });
  });

  it("asks the installed Codex once per process for each invocation, and names its failure", () => {
    const fx = createStageFixture("builder");
    const failing = codexConfig(fx, "fail");
    for (let i = 0; i < 5; i++) expect(codexHostSandboxProblem(failing)).toContain("landlock_restrict_self");
    expect(probes(probeLog(fx))).toBe(1);
    const other = createStageFixture("builder");
    const working = codexConfig(other, "ok");
    expect(codexHostSandboxProblem(working)).toBeNull();
    expect(codexHostSandboxProblem(working)).toBeNull();
    expect(probes(probeLog(other))).toBe(1);
  });
  it("probes again for another PATH, from the agent's environment or `[runners.codex.env]` (which wins)", () => {
    const fx = createStageFixture("builder");
    const working = codexConfig(fx, "ok");
    const env = { ...process.env };
    expect(codexHostSandboxProblem(working, env)).toBeNull();
    expect(codexHostSandboxProblem(working, { ...env })).toBeNull();
    expect(probes(probeLog(fx))).toBe(1);
    expect(codexHostSandboxProblem(working, { ...env, PATH: `${env.PATH}:/nowhere` })).toBeNull();
    expect(probes(probeLog(fx))).toBe(2);
    const pinned = {
      ...working,
      runners: {
        ...working.runners,
        codex: { ...working.runners.codex, env: { ...working.runners.codex.env, PATH: env.PATH ?? "" } },
      },
    };
    expect(codexHostSandboxProblem(pinned, env)).toBeNull();
    expect(probes(probeLog(fx))).toBe(3);
    // The configured PATH is the one probed with: the agent's own PATH no longer matters.
    expect(codexHostSandboxProblem(pinned, { ...env, PATH: "/elsewhere" })).toBeNull();
    expect(probes(probeLog(fx))).toBe(3);
  });
});

describe("a Codex stage dispatched on such a host (real child processes)", () => {
  it("probe ok: the sandbox flags as before, the grants enforced; one probe for many stages", async () => {
    const fx = createStageFixture("checker", { capability_grants: WRITE_AND_SHELL() });
    const cfg = codexConfig(fx, "ok");
    for (let i = 0; i < 3; i++) {
      const result = await dispatch(fx, { config: cfg }, fx.nextRequest());
      expect(result.envelope.result_class).toBe("success");
    }
    expect(argv(fx)).toContain(
      '--sandbox workspace-write -c sandbox_workspace_write.network_access=false -c approval_policy="never"',
    );
    expect(probes(probeLog(fx))).toBe(1);
  }, 60_000);

  it("probe fails, advisory: no-sandbox flags reach Codex; the record and the notes say why; one probe", async () => {
    const fx = createStageFixture("checker", { capability_grants: WRITE_AND_SHELL() });
    const cfg = codexConfig(fx, "fail", "advisory");
    for (let i = 0; i < 2; i++) {
      const result = await dispatch(fx, { config: cfg });
      expect(result.envelope.result_class).toBe("success");
      expect(result.raw.notes).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^capability shell\.run \(grant\.node\.shell_run\) advisory: host sandbox unavailable \(`codex sandbox -- \/bin\/true` failed \(exit 1\): Error: sandbox setup failed/,
          ),
        ]),
      );
    }
    const seen = argv(fx);
    expect(seen).toContain('--sandbox danger-full-access -c approval_policy="never"');
    expect(seen).not.toContain("workspace-write");
    const record = enforcementRecord(fx);
    expect(record.flags).toEqual(["--sandbox", "danger-full-access", "-c", 'approval_policy="never"']);
    expect(record.grants.map((g) => g.enforcement)).toEqual(["advisory", "advisory"]);
    expect(record.grants[0]?.reason).toMatch(/^host sandbox unavailable \(.*landlock_restrict_self/);
    expect(probes(probeLog(fx))).toBe(1);
  }, 60_000);

  it("probe fails, refuse, dispatched without the engine's gate: the sandbox flags stay", async () => {
    const fx = createStageFixture("checker", { capability_grants: WRITE_AND_SHELL() });
    await dispatch(fx, { config: codexConfig(fx, "fail") });
    expect(argv(fx)).toContain("--sandbox workspace-write");
    expect(argv(fx)).not.toContain("danger-full-access");
    expect(enforcementRecord(fx).summary).toMatch(/the sandbox cannot run on this host$/);
  }, 60_000);

  it("without grants (execution capabilities off) there is no probe", async () => {
    const fx = createStageFixture("checker", { capability_grants: null });
    await dispatch(fx, { config: codexConfig(fx, "fail") });
    expect(probes(probeLog(fx))).toBe(0);
  }, 60_000);
});
