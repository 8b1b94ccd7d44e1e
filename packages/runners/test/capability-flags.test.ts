import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type CapabilityEnforcementRecord,
  type CapabilityGrant,
  CapabilityGrantSchema,
  type CapabilityId,
  RUN_ARTIFACT_NAMES,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { claudeArgs } from "../src/claude/args.js";
import { claudeGrantEnforcement } from "../src/claude/grants.js";
import { codexArgs } from "../src/codex/args.js";
import { codexGrantEnforcement } from "../src/codex/grants.js";
import { piArgs } from "../src/pi/args.js";
import { piGrantEnforcement } from "../src/pi/grants.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { config, dispatch } from "./helpers.js";

function grant(
  capability: CapabilityId,
  state: CapabilityGrant["decision_state"] = "granted",
  scope: CapabilityGrant["scope"]["kind"] = "workspace",
): CapabilityGrant {
  return CapabilityGrantSchema.parse({
    request_id: capability.replace(".", "_"),
    capability_id: capability,
    access: "execute",
    scope: { kind: scope, value: scope === "workspace" ? "" : "src" },
    grant_id: `grant.node.${capability.replace(".", "_")}`,
    decision_state: state,
    enforcement_mode: state === "granted" ? "advisory_only" : "not_applicable",
    approval_policy_ref:
      state === "approval_required"
        ? { policy_id: "test", gate_scope: "stage", required_decision: "approved" }
        : null,
    evidence_status: "not_required",
    decision_reason: `${state} by test`,
    resolved_by: "policy",
    fingerprint: "grant-000000000000",
  });
}

const EVERYTHING: CapabilityId[] = [
  "workspace.write",
  "shell.run",
  "network.access",
  "git.mutate",
  "package.install",
  "runtime.control",
];
const paths = { workspaceRoot: "/w", lastMessagePath: "/l" };

function argsFor(grants: CapabilityGrant[] | null) {
  const fx = createStageFixture("builder", { capability_grants: grants });
  const cfg = config();
  return {
    codex: codexArgs(cfg, fx.request, paths).join(" "),
    claude: claudeArgs(cfg, fx.request).join(" "),
    pi: piArgs(cfg, fx.request).join(" "),
  };
}

describe("runner flags from capability grants", () => {
  it("no grant: the safest flags, never a bypass", () => {
    const args = argsFor([]);
    expect(args.codex).toContain('--sandbox read-only -c approval_policy="never"');
    expect(args.claude).toContain(
      "--permission-mode dontAsk --allowedTools Read,Grep,Glob,LS --disallowedTools Edit,MultiEdit,Write,NotebookEdit,Bash,WebFetch,WebSearch",
    );
    expect(args.pi).toContain("--tools read,grep,find,ls");
    for (const line of Object.values(args)) {
      expect(line).not.toMatch(/dangerously|bypassPermissions|danger-full-access/);
    }
  });

  it("workspace.write without network.access: a workspace-write sandbox with network off", () => {
    const args = argsFor([grant("workspace.write"), grant("shell.run")]);
    expect(args.codex).toContain(
      '--sandbox workspace-write -c sandbox_workspace_write.network_access=false -c approval_policy="never"',
    );
    expect(args.claude).toContain("--allowedTools Read,Grep,Glob,LS,Edit,MultiEdit,Write,NotebookEdit,Bash");
    expect(args.claude).toContain("--disallowedTools WebFetch,WebSearch");
    expect(args.pi).toContain("--tools read,grep,find,ls,edit,write,bash");
  });

  it("network.access granted opens the sandbox's network; a denied grant opens nothing", () => {
    expect(argsFor([grant("workspace.write"), grant("network.access")]).codex).toContain(
      "sandbox_workspace_write.network_access=true",
    );
    const denied = argsFor([grant("workspace.write"), grant("network.access", "denied")]);
    expect(denied.codex).toContain("sandbox_workspace_write.network_access=false");
    expect(denied.claude).toContain("--disallowedTools Bash,WebFetch,WebSearch");
  });

  it("the bypass only when every capability is granted workspace-wide", () => {
    const all = argsFor(EVERYTHING.map((id) => grant(id)));
    expect(all.codex).toContain("--dangerously-bypass-approvals-and-sandbox");
    expect(all.codex).not.toContain("--sandbox");
    expect(all.claude).toContain("--permission-mode bypassPermissions");
    const narrowed = argsFor([
      ...EVERYTHING.filter((id) => id !== "shell.run").map((id) => grant(id)),
      grant("shell.run", "granted", "command_class"),
    ]);
    expect(narrowed.codex).not.toContain("dangerously");
    expect(narrowed.codex).toContain("--sandbox workspace-write");
    const pending = argsFor([
      ...EVERYTHING.filter((id) => id !== "git.mutate").map((id) => grant(id)),
      grant("git.mutate", "approval_required"),
    ]);
    expect(pending.codex).not.toContain("dangerously");
  });

  it("without grants (execution capabilities off) the permission level still decides", () => {
    const args = argsFor(null);
    expect(args.codex).toContain("--dangerously-bypass-approvals-and-sandbox");
    expect(args.pi).not.toContain("--tools");
  });

  it("Pi keeps the tools runners.pi.args chooses", () => {
    const fx = createStageFixture("builder", { capability_grants: [grant("shell.run")] });
    const cfg = config({ runners: { pi: { args: ["--tools", "read"] } } });
    expect(piArgs(cfg, fx.request).filter((arg) => arg === "--tools")).toHaveLength(1);
  });
});

describe("what each runner can hold an agent to", () => {
  it("Codex: network without write cannot be given; git.mutate is advisory inside the sandbox", () => {
    expect(codexGrantEnforcement([grant("network.access")]).support).toBe("unsupported");
    expect(codexGrantEnforcement([grant("workspace.write"), grant("git.mutate")]).support).toBe("advisory");
    expect(codexGrantEnforcement([grant("workspace.write"), grant("shell.run")]).support).toBe("enforced");
  });
  it("Claude Code: Bash makes network advisory; git.mutate needs shell.run", () => {
    expect(claudeGrantEnforcement([grant("shell.run"), grant("network.access")]).support).toBe("advisory");
    expect(claudeGrantEnforcement([grant("git.mutate")]).support).toBe("unsupported");
    expect(claudeGrantEnforcement([grant("workspace.write")]).support).toBe("enforced");
  });
  it("Pi: every grant advisory", () => {
    const pi = piGrantEnforcement([grant("workspace.write"), grant("shell.run")], false);
    expect(pi.support).toBe("advisory");
    expect(pi.grants.map((g) => g.support)).toEqual(["advisory", "advisory"]);
  });
});

function enforcementRecord(runDir: string, requestId: string): CapabilityEnforcementRecord {
  return JSON.parse(
    readFileSync(path.join(runDir, RUN_ARTIFACT_NAMES.capabilityEnforcement(requestId)), "utf8"),
  ) as CapabilityEnforcementRecord;
}

describe("grant flags reach the agent process", () => {
  const grants = () => [grant("workspace.write"), grant("shell.run")];

  it("codex: the fake CLI receives the sandbox flags; the record says enforced", async () => {
    const fx = createStageFixture("checker", { capability_grants: grants() });
    const recordPath = path.join(fx.root, "record.json");
    const result = await dispatch(fx, { config: fakeRunnerConfig("codex_cli", { recordPath }) });
    expect(result.envelope.result_class).toBe("success");
    const seen = JSON.parse(readFileSync(recordPath, "utf8")) as { argv: string[] };
    const argv = seen.argv.join(" ");
    expect(argv).toContain("--sandbox workspace-write -c sandbox_workspace_write.network_access=false");
    expect(argv).not.toContain("dangerously");
    const record = enforcementRecord(fx.request.run_dir, fx.request.request_id);
    expect(record.flags).toEqual([
      "--sandbox",
      "workspace-write",
      "-c",
      "sandbox_workspace_write.network_access=false",
      "-c",
      'approval_policy="never"',
    ]);
    expect(record.grants.map((g) => [g.capability_id, g.enforcement])).toEqual([
      ["workspace.write", "enforced"],
      ["shell.run", "enforced"],
    ]);
    expect(result.raw.notes.filter((note) => note.includes("advisory"))).toEqual([]);
  });

  it("claude: permission mode and tool lists reach the fake CLI", async () => {
    const fx = createStageFixture("checker", { capability_grants: grants() });
    const recordPath = path.join(fx.root, "record.json");
    const result = await dispatch(fx, { config: fakeRunnerConfig("claude_code", { recordPath }) });
    expect(result.envelope.result_class).toBe("success");
    const seen = JSON.parse(readFileSync(recordPath, "utf8")) as { argv: string[] };
    expect(seen.argv.join(" ")).toContain("--permission-mode dontAsk --allowedTools");
    expect(seen.argv).not.toContain("--dangerously-skip-permissions");
  });

  it("pi: advisory, said in the record and in the stage result's notes", async () => {
    const fx = createStageFixture("checker", { capability_grants: grants() });
    const recordPath = path.join(fx.root, "record.json");
    const result = await dispatch(fx, { config: fakeRunnerConfig("pi_rpc", { recordPath }) });
    const seen = JSON.parse(readFileSync(recordPath, "utf8")) as { argv: string[] };
    expect(seen.argv.join(" ")).toContain("--tools read,grep,find,ls,edit,write,bash");
    const record = enforcementRecord(fx.request.run_dir, fx.request.request_id);
    expect(record.summary).toMatch(/^advisory: Pi has no sandbox/);
    expect(record.grants.every((g) => g.enforcement === "advisory")).toBe(true);
    expect(result.raw.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^capability shell\.run \(grant\.node\.shell_run\) advisory: /),
      ]),
    );
    expect(result.envelope.notes.join("\n")).toContain("advisory");
  });
});
