import { describe, expect, it } from "vitest";
import { configApplyBoundary, MillraceConfigSchema, structuralConfigView } from "../src/index.js";

describe("MillraceConfigSchema", () => {
  it("parses an empty file to the full default configuration", () => {
    const config = MillraceConfigSchema.parse({});
    expect(config.runtime).toEqual({
      default_mode: "default_codex",
      run_style: "daemon",
      idle_sleep_seconds: 1,
    });
    expect(config.runners.codex.permission_default).toBe("maximum");
    expect(config.recovery.max_fix_cycles).toBe(2);
    expect(config.usage_governance.runtime_token_rules.rules).toHaveLength(2);
    expect(config.watchers.debounce_ms).toBe(250);
  });

  it("rejects unknown keys at any depth", () => {
    const result = MillraceConfigSchema.safeParse({ runners: { codex: { bogus: true } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["runners", "codex"]);
  });

  it("folds the `normal` permission alias into basic", () => {
    const config = MillraceConfigSchema.parse({ runners: { codex: { permission_default: "normal" } } });
    expect(config.runners.codex.permission_default).toBe("basic");
  });

  it("refuses Pi args that Millrace sets itself", () => {
    const result = MillraceConfigSchema.safeParse({ runners: { pi: { args: ["--mode=json"] } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("--mode");
  });
});

describe("config apply boundaries", () => {
  it("classifies structural keys as recompile and the rest as next-tick", () => {
    expect(configApplyBoundary("runtime.default_mode")).toBe("recompile");
    expect(configApplyBoundary("stages.builder.timeout_seconds")).toBe("recompile");
    expect(configApplyBoundary("runtime.idle_sleep_seconds")).toBe("next_tick");
    expect(configApplyBoundary("usage_governance.enabled")).toBe("next_tick");
    expect(configApplyBoundary("watchers.debounce_ms")).toBe("next_tick");
    expect(configApplyBoundary("runners.codex.env.FOO")).toBe("next_tick");
  });

  it("keeps next-tick keys out of the structural view", () => {
    const base = MillraceConfigSchema.parse({});
    const edited = MillraceConfigSchema.parse({
      runtime: { idle_sleep_seconds: 5 },
      watchers: { enabled: false },
      usage_governance: { enabled: true },
      runners: { codex: { env: { OPENAI_BASE_URL: "http://127.0.0.1:1" } } },
    });
    expect(structuralConfigView(edited)).toEqual(structuralConfigView(base));
    const structural = MillraceConfigSchema.parse({ stages: { builder: { timeout_seconds: 60 } } });
    expect(structuralConfigView(structural)).not.toEqual(structuralConfigView(base));
  });
});
