import { describe, expect, it } from "vitest";
import {
  InvocationRecordSchema,
  PreflightResultSchema,
  ProcessLimitsSchema,
  RunArtifactPathsSchema,
  RunnerCapabilitiesSchema,
} from "../src/index.js";

describe("runner port schemas", () => {
  it("a bare preflight verdict is valid; findings are optional and checked when present", () => {
    expect(PreflightResultSchema.parse({ ok: false, problems: ["X is not set"] })).toEqual({
      ok: false,
      problems: ["X is not set"],
    });
    const full = {
      ok: true,
      problems: [],
      executable: {
        command: "codex",
        config_key: "runners.codex.command",
        resolved_path: "/usr/bin/codex",
        node_script: null,
        version: "codex-cli 0.169.0",
      },
      credential: { state: "present", source: "CODEX_API_KEY", detail: null },
      permission: { levels: ["basic"], summary: "permission levels basic", risk: null, refusal: null },
    };
    expect(PreflightResultSchema.parse(full)).toEqual(full);
    expect(
      PreflightResultSchema.safeParse({ ...full, credential: { state: "maybe", source: null, detail: null } })
        .success,
    ).toBe(false);
  });

  it("capabilities name a support value for every control", () => {
    const support = { basic: "enforced", elevated: "enforced", maximum: "advisory" };
    const capabilities = {
      permission_levels: support,
      sandbox: "enforced",
      network_control: "unsupported",
      tool_allow_list: "advisory",
    };
    expect(RunnerCapabilitiesSchema.parse(capabilities)).toEqual(capabilities);
    expect(RunnerCapabilitiesSchema.safeParse({ ...capabilities, sandbox: "yes" }).success).toBe(false);
    expect(RunnerCapabilitiesSchema.safeParse({ ...capabilities, permission_levels: {} }).success).toBe(
      false,
    );
  });

  it("limits, invocation records and artifact paths", () => {
    expect(
      ProcessLimitsSchema.safeParse({
        killGraceMs: 5000,
        maxStdoutBytes: 1,
        maxStderrBytes: 1,
        defaultTimeoutSeconds: 0,
      }).success,
    ).toBe(false);
    expect(InvocationRecordSchema.parse({ command: [] })).toEqual({ command: [] });
    const names = [
      "runDir",
      "prompt",
      "invocation",
      "completion",
      "stdout",
      "stderr",
      "events",
      "lastMessage",
    ];
    const paths = Object.fromEntries([...names, "structuredResult"].map((name) => [name, `/run/${name}`]));
    expect(RunArtifactPathsSchema.parse(paths)).toEqual(paths);
    expect(RunArtifactPathsSchema.safeParse({ runDir: "/run" }).success).toBe(false);
  });
});
