// `millrace completion [bash|zsh|fish]` prints a script that asks the CLI for candidates; the bash one
// is exercised in a real bash with the built binary on PATH.
import { spawnSync } from "node:child_process";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

const binDir = tempDir("millrace-completion-bin-");
writeFileSync(path.join(binDir, "millrace"), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
chmodSync(path.join(binDir, "millrace"), 0o755);
afterAll(() => rmSync(binDir, { recursive: true, force: true }));

/** Sources the bash script and completes `words` (the last one is the word being typed). */
function completeInBash(words: string[]): string[] {
  const script = runCli(["completion", "bash"]).stdout;
  const quoted = words.map((word) => `'${word}'`).join(" ");
  const program = `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _millrace_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync("bash", ["--norc", "--noprofile", "-c", program], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}` },
  });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

describe("millrace completion", () => {
  it("prints a bash script that registers a completion function", () => {
    const result = runCli(["completion", "bash"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("complete -o default -F _millrace_complete millrace");
    expect(result.stdout).toContain("--get-yargs-completions");
  });

  it("prints a zsh script for zsh", () => {
    const result = runCli(["completion", "zsh"]);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith("#compdef millrace\n")).toBe(true);
    expect(result.stdout).toContain("compdef _millrace_complete millrace");
  });

  it("picks the shell from $SHELL when none is named", () => {
    expect(runCli(["completion"], { env: { SHELL: "/usr/bin/zsh" } }).stdout).toContain("#compdef millrace");
    expect(runCli(["completion"], { env: { SHELL: "/bin/bash" } }).stdout).toContain("complete -o default");
    expect(runCli(["completion"], { env: { SHELL: "" } }).stdout).toContain("complete -o default");
  });

  it("prints the script inside JSON with --json", () => {
    const result = runCli(["completion", "zsh", "--json"]);
    expect(result.status).toBe(0);
    const value = result.json<{ shell: string; script: string }>();
    expect(value.shell).toBe("zsh");
    expect(value.script).toContain("compdef");
  });

  it("refuses an unsupported shell as a usage error (exit 2), printing no script", () => {
    const result = runCli(["completion", "powershell"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error: .*powershell.*\nhint: run `millrace completion --help`\n$/);
  });

  it("completes command names in bash", () => {
    expect(completeInBash(["millrace", "qu"])).toEqual(["queue"]);
    expect(completeInBash(["millrace", "st"]).sort()).toEqual(["status", "stop"]);
  });

  it("completes a command's actions and options in bash", () => {
    expect(completeInBash(["millrace", "queue", ""])).toEqual(
      expect.arrayContaining(["ls", "show", "--json"]),
    );
    expect(completeInBash(["millrace", "status", "--js"])).toEqual(["--json"]);
  });
});
