import { MillraceConfigSchema, type StageRunRequest } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { claudeArgs } from "../src/claude/args.js";
import { codexArgs } from "../src/codex/args.js";
import { resolvePermissionLevel } from "../src/index.js";

const request = (extra: Partial<StageRunRequest> = {}) =>
  ({ stage: "builder", model_name: "gpt-x", permission_profile: null, ...extra }) as StageRunRequest;

describe("permission precedence", () => {
  const runner = {
    permission_default: "maximum" as const,
    permission_by_stage: {} as Record<string, "basic" | "elevated" | "maximum">,
    permission_by_model: {} as Record<string, "basic" | "elevated" | "maximum">,
  };

  it("falls back to the runner default", () => {
    expect(resolvePermissionLevel(runner, request())).toBe("maximum");
  });
  it("uses the compiled node's profile over the default", () => {
    expect(resolvePermissionLevel(runner, request({ permission_profile: "basic" }))).toBe("basic");
  });
  it("lets permission_by_model beat the node profile, and permission_by_stage beat both", () => {
    const byModel = { ...runner, permission_by_model: { "gpt-x": "elevated" as const } };
    expect(resolvePermissionLevel(byModel, request({ permission_profile: "basic" }))).toBe("elevated");
    const byStage = { ...byModel, permission_by_stage: { builder: "basic" as const } };
    expect(resolvePermissionLevel(byStage, request({ permission_profile: "maximum" }))).toBe("basic");
  });
  it("reaches the real argument vectors of codex and claude", () => {
    const config = MillraceConfigSchema.parse({});
    const base = {
      request_id: "request-1",
      run_id: "run-1",
      stage: "builder",
      run_dir: "/tmp/run-1",
      permission_profile: "basic",
    } as unknown as StageRunRequest;
    expect(codexArgs(config, base, { workspaceRoot: "/tmp/ws", lastMessagePath: "/tmp/last.txt" })).toEqual(
      expect.arrayContaining(["--sandbox", "workspace-write"]),
    );
    expect(claudeArgs(config, base)).toEqual(expect.arrayContaining(["--permission-mode", "acceptEdits"]));
  });
});
