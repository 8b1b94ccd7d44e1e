import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseFastPath } from "../src/fast-path.js";
import { runCli, tempDir } from "./helpers.js";

describe("the cold-start fast path", () => {
  it("takes status and queue ls with their common options", () => {
    expect(parseFastPath(["status"])).toMatchObject({
      module: "status",
      args: { action: "show", json: false },
    });
    // Not given: left for discovery upward from the current folder.
    expect(parseFastPath(["status"])?.args.workspace).toBeUndefined();
    expect(parseFastPath(["queue", "ls", "--summary", "--no-color"])).toMatchObject({
      args: { summary: true, color: false },
    });
    expect(parseFastPath(["status", "--json", "-w", "/ws"])).toMatchObject({
      args: { workspace: "/ws", json: true },
    });
    expect(parseFastPath(["--workspace=/ws", "status"])).toMatchObject({
      module: "status",
      args: { workspace: "/ws" },
    });
    expect(parseFastPath(["queue", "ls", "--kind", "task", "--state=queue"])).toMatchObject({
      module: "queue",
      args: { action: "ls", kind: "task", state: "queue", actor: "operator" },
    });
  });

  it("leaves everything else to yargs", () => {
    for (const argv of [
      ["status", "--help"],
      ["status", "watch"],
      ["status", "--bogus"],
      ["status", "--kind", "task"],
      ["status", "--summary"],
      ["queue", "show", "x"],
      ["queue", "ls", "extra"],
      ["queue", "ls", "--kind"],
      ["queue", "ls", "-w", "a", "-w", "b"],
      ["version"],
      [],
    ]) {
      expect(parseFastPath(argv), argv.join(" ")).toBeUndefined();
    }
  });

  it("answers exactly like the yargs route", () => {
    const root = path.join(tempDir(), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const fast = runCli(["queue", "ls", "--json", "-w", root]);
    // `--actor` is not on the fast path, so this spelling goes through yargs.
    const slow = runCli(["queue", "ls", "--json", "-w", root, "--actor", "operator"]);
    expect(fast.status).toBe(0);
    expect(fast.stdout).toBe(slow.stdout);
    const bad = runCli(["queue", "ls", "--kind", "bogus", "-w", root]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: unknown work-item kind "bogus"/);
  });
});
