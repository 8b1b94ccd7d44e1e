import { readdirSync } from "node:fs";
import {
  type CapabilityGrant,
  CapabilityIdSchema,
  MillraceConfigSchema,
  MillraceError,
  normalizeCapabilityId,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { ApprovalStore } from "../src/capabilities/approvals.js";
import { evaluateCapabilityGate } from "../src/capabilities/gate.js";
import { resolveCapabilityGrants } from "../src/capabilities/grants.js";
import { tempWorkspace } from "./helpers.js";

const target = { nodeId: "builder", stageKindId: "builder" };
const capabilities = (input: Record<string, unknown> = {}) =>
  MillraceConfigSchema.parse({ execution_capabilities: input }).execution_capabilities;

function grants(
  requests: {
    id: string;
    capability: string;
    required?: boolean;
    enforce?: boolean;
    access?: "read" | "write" | "execute" | "mutate";
  }[],
  config = capabilities(),
) {
  return resolveCapabilityGrants({
    stageKindRequests: requests.map((r) => ({
      request_id: r.id,
      capability_id: r.capability,
      access: r.access ?? "execute",
      required: r.required ?? true,
      requires_enforcement: r.enforce ?? false,
    })),
    target,
    config,
  });
}

describe("capability requests and grants", () => {
  it("normalises snake_case aliases and refuses ids outside the closed set", () => {
    expect(normalizeCapabilityId("git_mutate")).toBe("git.mutate");
    expect(normalizeCapabilityId("network.access")).toBe("network.access");
    expect(CapabilityIdSchema.safeParse("teleport").success).toBe(false);
    expect(() => grants([{ id: "r1", capability: "teleport" }])).toThrow(/unknown capability "teleport"/);
  });

  it("decides from [execution_capabilities.defaults], intrinsic capabilities and default_unknown_capability", () => {
    const sealed = grants([
      { id: "net", capability: "network_access" },
      { id: "pkg", capability: "package.install" },
      { id: "git", capability: "git.mutate" },
      { id: "sh", capability: "shell.run" },
      { id: "ws", capability: "workspace.write", access: "write" },
      { id: "read", capability: "workspace.read", access: "read" },
      { id: "ctl", capability: "runtime.control" },
    ]);
    expect(sealed.map((g) => [g.request_id, g.decision_state, g.enforcement_mode])).toEqual([
      ["net", "denied", "not_applicable"],
      ["pkg", "approval_required", "not_applicable"],
      ["git", "approval_required", "not_applicable"],
      ["sh", "granted", "advisory_only"],
      ["ws", "granted", "advisory_only"],
      ["read", "granted", "advisory_only"],
      ["ctl", "denied", "not_applicable"],
    ]);
    expect(sealed[1]?.approval_policy_ref).toMatchObject({
      policy_id: "execution_capabilities.defaults.package_install",
      required_decision: "approved",
    });
    expect(sealed[0]?.decision_reason).toBe("deny by execution_capabilities.defaults.network_access");
    for (const grant of sealed) expect(grant.fingerprint).toMatch(/^grant-[0-9a-f]{12}$/);
  });

  it("a node's request replaces the stage kind's; fingerprints change with policy", () => {
    const [fromNode] = resolveCapabilityGrants({
      stageKindRequests: [{ request_id: "net", capability_id: "network.access", access: "execute" }],
      nodeRequests: [
        { request_id: "net", capability_id: "network.access", access: "execute", required: false },
      ],
      target,
      config: capabilities(),
    });
    expect(fromNode?.required).toBe(false);
    const denied = grants([{ id: "net", capability: "network.access" }]);
    const allowed = grants(
      [{ id: "net", capability: "network.access" }],
      capabilities({ defaults: { network_access: "allow" } }),
    );
    expect(denied[0]?.fingerprint).not.toBe(allowed[0]?.fingerprint);
    expect(grants([{ id: "net", capability: "network.access" }])[0]?.fingerprint).toBe(
      denied[0]?.fingerprint,
    );
  });

  it("claims runner enforcement when the request needs it, and refuses advisory grants when told to", () => {
    expect(grants([{ id: "ws", capability: "workspace.write", enforce: true }])[0]?.enforcement_mode).toBe(
      "runner_enforced",
    );
    const strict = grants(
      [{ id: "ws", capability: "workspace.write" }],
      capabilities({ allow_advisory_grants: false }),
    );
    expect(strict[0]).toMatchObject({ decision_state: "unsupported", enforcement_mode: "not_applicable" });
  });
});

describe("pre-dispatch gate", () => {
  const enforced = () => ({ support: "enforced" as const, reason: "ok" });

  it("lets a stage run when every required grant is granted and supported; optional ones never block", () => {
    const sealed = grants([
      { id: "ws", capability: "workspace.write" },
      { id: "net", capability: "network.access", required: false },
    ]);
    expect(
      evaluateCapabilityGate({
        grants: sealed,
        config: capabilities(),
        approvalStatus: () => undefined,
        support: enforced,
      }),
    ).toMatchObject({ allowed: true, findings: [] });
  });

  it("orders failure classes: denied, then approval, then unsupported", () => {
    const all = grants([
      { id: "net", capability: "network.access" },
      { id: "pkg", capability: "package.install" },
      { id: "ws", capability: "workspace.write", enforce: true },
    ]);
    const advisory = () => ({ support: "advisory" as const, reason: "no sandbox" });
    const gate = (list: CapabilityGrant[]) =>
      evaluateCapabilityGate({
        grants: list,
        config: capabilities(),
        approvalStatus: () => undefined,
        support: advisory,
      });
    expect(gate(all).failure_class).toBe("capability_grant_denied");
    expect(gate(all.slice(1)).failure_class).toBe("capability_approval_required");
    expect(gate(all.slice(1)).approvals_to_request.map((g) => g.request_id)).toEqual(["pkg"]);
    expect(gate(all.slice(2))).toMatchObject({
      allowed: false,
      failure_class: "capability_grant_unsupported",
    });
    expect(gate(all.slice(2)).findings[0]?.reason).toContain("advisory only");
  });

  it("follows the approval's status, and fail_required_advisory", () => {
    const [pkg] = grants([{ id: "pkg", capability: "package.install" }]);
    const list = pkg ? [pkg] : [];
    const with_ = (status: "pending" | "approved" | "denied" | "expired") =>
      evaluateCapabilityGate({
        grants: list,
        config: capabilities(),
        approvalStatus: () => status,
        support: enforced,
      });
    expect(with_("approved").allowed).toBe(true);
    expect(with_("pending")).toMatchObject({
      failure_class: "capability_approval_required",
      approvals_to_request: [],
    });
    expect(with_("denied").failure_class).toBe("capability_grant_denied");
    expect(with_("expired").failure_class).toBe("capability_approval_required");
    const sh = grants([{ id: "sh", capability: "shell.run" }]);
    const advisory = () => ({ support: "advisory" as const, reason: "pi" });
    expect(
      evaluateCapabilityGate({
        grants: sh,
        config: capabilities(),
        approvalStatus: () => undefined,
        support: advisory,
      }).allowed,
    ).toBe(true);
    expect(
      evaluateCapabilityGate({
        grants: sh,
        config: capabilities({ fail_required_advisory: true }),
        approvalStatus: () => undefined,
        support: advisory,
      }).allowed,
    ).toBe(false);
  });
});

describe("approvals", () => {
  const context = {
    run_id: "run-1",
    plane: "execution" as const,
    node_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task" as const,
    work_item_id: "task-1",
  };

  function store() {
    const paths = tempWorkspace();
    let now = new Date("2026-04-28T10:00:00Z");
    let n = 0;
    const s = new ApprovalStore(paths, { now: () => now, suffix: () => (n++).toString(16).padStart(8, "0") });
    return { paths, s, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  }

  it("finds or creates one pending approval per run, request and grant; approve records the issuer", () => {
    const { paths, s } = store();
    const [pkg] = grants([{ id: "pkg", capability: "package.install" }]);
    if (!pkg) throw new Error("no grant");
    const created = s.findOrCreate(pkg, context);
    expect(created).toMatchObject({
      kind: "execution_capability_approval",
      status: "pending",
      approval_id: "approval-grant.builder.pkg-00000000",
      capability_id: "package.install",
      workspace_id: paths.root.split("/").pop(),
    });
    expect(s.findOrCreate(pkg, context).approval_id).toBe(created.approval_id);
    expect(s.findOrCreate(pkg, { ...context, run_id: "run-2" }).approval_id).not.toBe(created.approval_id);
    expect(s.list("pending")).toHaveLength(2);
    const approved = s.approve(created.approval_id, "operator:alice", "ok to install");
    expect(approved).toMatchObject({
      status: "approved",
      decided_by: "operator:alice",
      decision_reason: "ok to install",
      decided_at: "2026-04-28T10:00:00Z",
    });
    expect(readdirSync(`${paths.approvals}/resolved`)).toEqual([`${created.approval_id}.json`]);
    expect(readdirSync(`${paths.approvals}/pending`)).toHaveLength(1);
    expect(s.show(created.approval_id).status).toBe("approved");
    expect(s.findOrCreate(pkg, context).status).toBe("approved");
    expect(() => s.deny(created.approval_id, "operator:bob")).toThrow(
      expect.objectContaining({ code: "approval_already_resolved" }),
    );
  });

  it("denies, expires when due, and refuses bad or unknown ids", () => {
    const { s, advance } = store();
    const [pkg] = grants([{ id: "pkg", capability: "package.install" }]);
    if (!pkg) throw new Error("no grant");
    const expiring = {
      ...pkg,
      approval_policy_ref: {
        policy_id: "p",
        gate_scope: "stage" as const,
        expiration_seconds: 60,
        required_decision: "approved" as const,
      },
    };
    const a = s.findOrCreate(expiring, context);
    expect(a.expires_at).toBe("2026-04-28T10:01:00Z");
    const b = s.findOrCreate(pkg, { ...context, run_id: "run-2" });
    expect(s.deny(b.approval_id, "supervisor:ops", "no installs").status).toBe("denied");
    expect(s.expireDue()).toEqual([]);
    advance(60_000);
    expect(s.expireDue().map((x) => x.approval_id)).toEqual([a.approval_id]);
    expect(s.show(a.approval_id)).toMatchObject({ status: "expired", decided_by: "runtime" });
    expect(() => s.show("../etc/passwd")).toThrow(expect.objectContaining({ code: "invalid_id" }));
    expect(() => s.show("approval-x-0000000f")).toThrow(
      expect.objectContaining({ code: "approval_not_found" }),
    );
    expect(() => s.approve(a.approval_id, " ")).toThrow(MillraceError);
  });
});

describe("the gate asks the runner's support", () => {
  it("a grant needing enforcement is refused where the runner offers advisory only", () => {
    const sealed = grants([{ id: "ws", capability: "workspace.write", enforce: true }]);
    const gate = (support: "enforced" | "advisory") =>
      evaluateCapabilityGate({
        grants: sealed,
        config: capabilities(),
        approvalStatus: () => undefined,
        support: () => ({ support, reason: `${support} by the runner` }),
      });
    expect(gate("advisory")).toMatchObject({ allowed: false, failure_class: "capability_grant_unsupported" });
    expect(gate("enforced").allowed).toBe(true);
  });
  it("a host refusal blocks each required grant the runner does not enforce, below a denial", () => {
    const sealed = grants([
      { id: "ws", capability: "workspace.write" },
      { id: "read", capability: "workspace.read", access: "read" },
      { id: "opt", capability: "shell.run", required: false },
    ]);
    const support = (grant: { capability_id: string }) =>
      grant.capability_id === "workspace.read"
        ? { support: "enforced" as const, reason: "always" }
        : { support: "advisory" as const, reason: "host sandbox unavailable (no landlock)" };
    const input = { grants: sealed, config: capabilities(), approvalStatus: () => undefined, support };
    // Without the refusal an advisory-only grant passes; with it, that grant (and only it) blocks.
    expect(evaluateCapabilityGate(input).allowed).toBe(true);
    const refused = evaluateCapabilityGate({
      ...input,
      hostRefusal: "codex_cli's own sandbox cannot run here",
    });
    expect(refused).toMatchObject({ allowed: false, failure_class: "capability_grant_unsupported" });
    expect(refused.findings.map((f) => [f.capability_id, f.reason])).toEqual([
      ["workspace.write", "codex_cli's own sandbox cannot run here"],
    ]);
    const denied = grants(
      [
        { id: "ws", capability: "workspace.write" },
        { id: "net", capability: "network.access" },
      ],
      capabilities(),
    );
    const both = evaluateCapabilityGate({ ...input, grants: denied, hostRefusal: "no sandbox here" });
    expect(both.failure_class).toBe("capability_grant_denied");
  });
});
