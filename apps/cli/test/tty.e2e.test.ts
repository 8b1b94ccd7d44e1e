// Piped output is plain text: no colour or other escape sequences unless FORCE_COLOR asks for them
// (NO_COLOR and --no-color always win), and help text that wraps to the terminal on a TTY but to a fixed 100 columns
// when piped, so scripted and logged output is stable.
import { spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

const ESCAPE = /\u001b\[/;
const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

const widest = (text: string) => Math.max(...text.split(/\r?\n/).map((line) => line.length));

describe("plain output", () => {
  const root = tempDir("millrace-tty-");
  const empty = tempDir("millrace-tty-empty-");
  runCli(["init", root]);
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });
  const cases: Array<[string, string[]]> = [
    ["top-level help", ["--help"]],
    ["command help", ["queue", "--help"]],
    ["version", ["version"]],
    ["status", ["status", "-w", root]],
    ["a usage error", ["stauts"]],
    ["a refused command", ["status", "-w", empty]],
  ];

  for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "" }, { NO_COLOR: "1", FORCE_COLOR: "3" }]) {
    it.each(cases)(`has no escape sequences: %s (${JSON.stringify(env)})`, (_name, args) => {
      const result = runCli(args, { env });
      expect(result.stdout + result.stderr).not.toBe("");
      expect(result.stdout).not.toMatch(ESCAPE);
      expect(result.stderr).not.toMatch(ESCAPE);
    });
  }

  it("colours status and errors with FORCE_COLOR, unless --no-color", () => {
    const status = runCli(["status", "-w", root], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(status.stdout).toContain("\u001b[36mworkspace\u001b[39m: ");
    const refused = runCli(["status", "-w", empty], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(refused.stderr).toMatch(/^\u001b\[31merror:\u001b\[39m /);
    for (const args of [
      ["status", "--no-color", "-w", root],
      ["status", "-w", empty, "--no-color"],
    ]) {
      const plain = runCli(args, { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
      expect(plain.stdout + plain.stderr).not.toMatch(ESCAPE);
    }
    const json = runCli(["status", "--json", "-w", root], { env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(json.stdout).not.toMatch(ESCAPE);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });

  it("wraps piped help at 100 columns whatever COLUMNS says", () => {
    const narrow = runCli(["queue", "--help"], { env: { COLUMNS: "40" } });
    const wide = runCli(["queue", "--help"], { env: { COLUMNS: "250" } });
    expect(narrow.status).toBe(0);
    expect(narrow.stdout).toBe(wide.stdout);
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(100);
    expect(widest(narrow.stdout)).toBeGreaterThan(80);
  });

  it.skipIf(!hasScript)("wraps help to the terminal width on a TTY", () => {
    const tty = spawnSync(
      "script",
      ["-qec", `stty cols 60 rows 24; "${process.execPath}" "${CLI_BIN}" queue --help`, "/dev/null"],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, input: "" },
    );
    expect(tty.status).toBe(0);
    expect(tty.stdout).toContain("Examples:");
    expect(tty.stdout).not.toMatch(ESCAPE);
    expect(widest(tty.stdout.replace(/\r/g, ""))).toBeLessThanOrEqual(60);
  });

  it("exits quietly when the reader closes the pipe early (EPIPE)", async () => {
    const child = spawn(process.execPath, [CLI_BIN, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
