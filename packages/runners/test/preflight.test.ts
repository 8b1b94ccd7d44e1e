import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PreflightResultSchema, RunnerCapabilitiesSchema, type RunnerEnvironment } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { createRunnerRegistry, resolveCommand } from "../src/index.js";
import { config } from "./helpers.js";

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** A folder with an executable `name` that prints `version` for `--version`. */
function binWith(name: string, version: string): string {
  const dir = tmp("millrace-preflight-bin-");
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho "${version}"\n`);
  chmodSync(file, 0o755);
  return dir;
}

const registry = createRunnerRegistry();
const preflightOf = (name: string) => {
  const adapter = registry.require(name);
  if (!adapter.preflight) throw new Error(`${name} has no preflight`);
  return adapter.preflight.bind(adapter);
};

describe("resolveCommand", () => {
  it("finds executable files on PATH or by path, never folders or plain files", () => {
    const bin = binWith("tool", "1");
    mkdirSync(path.join(bin, "folder"), { mode: 0o755 });
    writeFileSync(path.join(bin, "plain"), "");
    expect(resolveCommand("tool", { PATH: `/nonexistent${path.delimiter}${bin}` })).toBe(
      path.join(bin, "tool"),
    );
    expect(resolveCommand(path.join(bin, "tool"), {})).toBe(path.join(bin, "tool"));
    expect(resolveCommand("folder", { PATH: bin })).toBeNull();
    expect(resolveCommand("plain", { PATH: bin })).toBeNull();
    expect(resolveCommand("tool", {})).toBeNull();
  });
});

describe("agent preflights", () => {
  it("codex: the executable, its version when asked, the credential source and the levels in use", async () => {
    const env: RunnerEnvironment = {
      PATH: binWith("codex", "codex-cli 9.9.9"),
      HOME: tmp("h-"),
      CODEX_API_KEY: "k",
    };
    const cfg = config({ runners: { codex: { permission_default: "basic" } } });
    const quick = await preflightOf("codex_cli")(cfg, env);
    expect(PreflightResultSchema.parse(quick)).toEqual(quick);
    expect(quick).toMatchObject({
      ok: true,
      problems: [],
      executable: { command: "codex", config_key: "runners.codex.command", version: null, node_script: null },
      credential: { state: "present", source: "CODEX_API_KEY", detail: null },
      permission: { levels: ["basic"], summary: "permission levels basic", risk: null, refusal: null },
    });
    const probed = await preflightOf("codex_cli")(cfg, env, { probeVersion: true });
    expect(probed.executable?.version).toBe("codex-cli 9.9.9");
  });

  it("a probed executable must run and be at least the oldest version the adapter drives", async () => {
    const env = (bin: string): RunnerEnvironment => ({ PATH: bin, HOME: tmp("h-"), CODEX_API_KEY: "k" });
    const old = await preflightOf("codex_cli")(config(), env(binWith("codex", "codex-cli 0.99.3")), {
      probeVersion: true,
    });
    expect(old.ok).toBe(false);
    expect(old.problems).toEqual([
      "Codex codex-cli 0.99.3 is older than 0.169.0, the oldest version Millrace drives: upgrade it",
    ]);
    // Without a probe the version is not known, so it is not judged.
    expect((await preflightOf("codex_cli")(config(), env(binWith("codex", "codex-cli 0.99.3")))).ok).toBe(
      true,
    );
    const broken = tmp("millrace-preflight-bin-");
    writeFileSync(path.join(broken, "codex"), "#!/bin/sh\nexit 3\n");
    chmodSync(path.join(broken, "codex"), 0o755);
    const dead = await preflightOf("codex_cli")(config(), env(broken), { probeVersion: true });
    expect(dead.ok).toBe(false);
    expect(dead.problems[0]).toBe(
      `\`codex --version\` (${path.join(broken, "codex")}) did not answer: the Codex executable does not run; reinstall it or fix runners.codex.command`,
    );
    // A version line without a parsable version ran, so it passes.
    const odd = await preflightOf("codex_cli")(config(), env(binWith("codex", "codex dev build")), {
      probeVersion: true,
    });
    expect(odd.ok).toBe(true);
  });

  it("codex: a missing executable and credential are problems; the finding says where it looked", async () => {
    const home = tmp("h-");
    const result = await preflightOf("codex_cli")(config(), { PATH: "", HOME: home, OPENAI_API_KEY: "x" });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toBe(
      "the Codex executable codex was not found on PATH: install it, or set runners.codex.command to its absolute path",
    );
    expect(result.executable?.resolved_path).toBeNull();
    expect(result.credential?.state).toBe("missing");
    expect(result.credential?.detail).toContain(path.join(home, ".codex", "auth.json"));
    expect(result.credential?.detail).toContain("OPENAI_API_KEY is set");
    expect(result.permission?.risk).toEqual({
      kind: "maximum",
      message:
        'runners.codex.permission_default = "maximum" runs with "maximum": the agent gets --dangerously-bypass-approvals-and-sandbox',
    });
  });

  it("uses the caller's lookup, and names the stages a level comes from", async () => {
    const cfg = config({
      runners: { claude: { permission_default: "basic", permission_by_stage: { builder: "maximum" } } },
    });
    const result = await preflightOf("claude_code")(
      cfg,
      { HOME: tmp("h-"), ANTHROPIC_API_KEY: "k", IS_SANDBOX: "1" },
      {
        which: (command) => `/opt/fake/${command}`,
        stages: [
          { label: "execution.builder", stage: "builder", model: null, permission_profile: null },
          { label: "execution.checker", stage: "checker", model: null, permission_profile: null },
        ],
      },
    );
    expect(result.executable?.resolved_path).toBe("/opt/fake/claude");
    expect(result.permission).toEqual({
      levels: ["basic", "maximum"],
      summary: "permission levels basic, maximum",
      risk: {
        kind: "maximum",
        message:
          'execution.builder (from runners.claude.permission_by_stage.builder) run with "maximum": the agent gets --dangerously-skip-permissions',
      },
      refusal: null,
    });
  });

  it("pi: no levels (they are advisory), unsandboxed unless its tools are limited; a missing key is no problem", async () => {
    const env = { PATH: binWith("pi", "0.1"), HOME: tmp("h-") };
    const open = await preflightOf("pi_rpc")(config({ runners: { pi: { provider: "openai" } } }), env);
    expect(open.ok).toBe(true);
    expect(open.credential).toMatchObject({ state: "missing", source: null });
    expect(open.credential?.detail).toContain("no OPENAI_API_KEY in the environment");
    expect(open.permission).toMatchObject({ levels: [], risk: { kind: "unsandboxed" } });
    const limited = await preflightOf("pi_rpc")(config({ runners: { pi: { args: ["--tools=read"] } } }), env);
    expect(limited.permission).toMatchObject({ risk: null, summary: "tools are limited by runners.pi.args" });
  });

  it("a command launched as node script is not asked for its version", async () => {
    const cfg = config({ runners: { codex: { command: process.execPath, args: ["/opt/codex.js"] } } });
    const result = await preflightOf("codex_cli")(cfg, { CODEX_API_KEY: "k" }, { probeVersion: true });
    expect(result.executable).toMatchObject({
      resolved_path: process.execPath,
      node_script: "/opt/codex.js",
      version: null,
    });
  });
});

describe("scripted preflight", () => {
  it("checks the script only when the runtime root is known", async () => {
    const runtimeRoot = tmp("millrace-rt-");
    const cfg = config({ runners: { scripted: { script: "script.json" } } });
    expect(await preflightOf("scripted")(cfg)).toEqual({ ok: true, problems: [] });
    const missing = await preflightOf("scripted")(cfg, {}, { runtimeRoot });
    expect(missing.ok).toBe(false);
    expect(missing.script?.path).toBe(path.join(runtimeRoot, "script.json"));
    expect(missing.script?.problem).toContain("does not exist");
    writeFileSync(path.join(runtimeRoot, "script.json"), JSON.stringify({ rules: [] }));
    const good = await preflightOf("scripted")(cfg, {}, { runtimeRoot });
    expect(good).toMatchObject({
      ok: true,
      script: { problem: null },
      credential: { state: "not_required" },
    });
  });
});

describe("capabilities", () => {
  it("every built-in declares valid capabilities; only codex sandboxes, pi's levels are advisory", () => {
    for (const name of registry.names()) {
      const capabilities = registry.require(name).capabilities;
      expect(RunnerCapabilitiesSchema.parse(capabilities)).toEqual(capabilities);
    }
    const sandboxed = registry
      .names()
      .filter((name) => registry.require(name).capabilities?.sandbox === "enforced");
    expect(sandboxed).toEqual(["codex_cli"]);
    expect(registry.require("pi_rpc").capabilities?.permission_levels.maximum).toBe("advisory");
  });
});
