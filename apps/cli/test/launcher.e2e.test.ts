// The `millrace` executable (dist/bin.cjs, src/launch.ts): a CommonJS launcher that answers
// --version and the fast-path commands itself, ends the process as soon as the answer is out, and
// hands anything else to the full CLI (dist/cli.js).
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

const TASKS = 600;
let root: string;

function taskDocument(i: number): string {
  const id = `task-${String(i).padStart(6, "0")}`;
  const title = `Launcher task ${i} ${"x".repeat(120)}`;
  return `# ${title}\n\nTask-ID: ${id}\nTitle: ${title}\nCreated-At: 2026-01-01T00:00:00Z\nCreated-By: launcher-test\n\nTarget-Paths:\n- src/\n\nAcceptance:\n- passes\n\nRequired-Checks:\n- npm test\n\nReferences:\n- none\n\nRisk:\n- low\n`;
}

beforeAll(() => {
  root = tempDir();
  expect(runCli(["init", root]).status).toBe(0);
  const queue = path.join(root, "millrace-agents", "tasks", "queue");
  for (let i = 0; i < TASKS; i++)
    writeFileSync(path.join(queue, `task-${String(i).padStart(6, "0")}.md`), taskDocument(i));
});

/** Runs the executable with a reader that takes nothing for `stallMs`, then reads everything. */
function runWithSlowReader(args: string[], stallMs: number) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), stallMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr }));
  });
}

describe("the launcher", () => {
  it("is the package's executable, one CommonJS file with the node shebang", () => {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(CLI_BIN), "..", "package.json"), "utf8"));
    expect(manifest.bin).toEqual({ millrace: "./dist/bin.cjs" });
    expect(readFileSync(CLI_BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("delivers a fast-path answer far larger than a pipe holds, whole, to a reader that waits", async () => {
    const result = await runWithSlowReader(["queue", "ls", "--json", "--all", "-w", root], 500);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(128 * 1024);
    const items = JSON.parse(result.stdout).items as Array<{ id: string }>;
    expect(items).toHaveLength(TASKS);
    expect(items.at(-1)?.id).toBe(`task-${String(TASKS - 1).padStart(6, "0")}`);
  });

  it("keeps the exit status of a fast-path failure, with its one error line and hint", async () => {
    const result = await runWithSlowReader(["status", "-w", path.join(root, "missing")], 100);
    expect(result.status).toBe(runCli(["status", "show", "-w", path.join(root, "missing")]).status);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^error: .*\nhint: /);
  });

  it("answers --version itself and hands every other command to the full CLI", () => {
    const version = runCli(["--version"]);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^millrace \d+\.\d+\.\d+/);
    const show = runCli(["queue", "show", "task-000001", "--json", "-w", root]);
    expect(show.status).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: "task-000001" });
  });
});
