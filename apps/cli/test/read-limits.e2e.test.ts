import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

/** Issue 11 item 2: the CLI reads operator-named files under the workspace's `[limits]` caps. */
function workspaceWithLimits(): string {
  const ws = path.join(tempDir("millrace-limits-e2e-"), "ws");
  const init = runCli(["init", ws]);
  expect(init.status, init.stderr).toBe(0);
  appendFileSync(
    path.join(ws, "millrace-agents", "millrace.toml"),
    "\n[limits]\nmax_body_file_bytes = 4096\n",
  );
  return ws;
}

describe("[limits] max_body_file_bytes through the CLI", () => {
  it("add-task refuses a body file one byte over the cap, naming the key; one at the cap is enqueued", () => {
    const ws = workspaceWithLimits();
    const body = path.join(ws, "..", "body.md");
    writeFileSync(body, `${"a".repeat(4096)}\n`);
    const over = runCli(["-w", ws, "add-task", "Too long", "--id", "task-over", "--body-file", body]);
    expect(over.status).toBe(1);
    expect(over.stderr).toContain("body.md: is 4097 bytes; the limit is 4096 bytes (4 KiB)");
    expect(over.stderr).toContain("max_body_file_bytes");
    const queue = path.join(ws, "millrace-agents", "tasks", "queue");
    expect(readdirSync(queue).filter((name) => name.endsWith(".md"))).toEqual([]);
    writeFileSync(body, `${"a".repeat(4095)}\n`);
    const at = runCli(["-w", ws, "add-task", "Just fits", "--id", "task-at", "--body-file", body]);
    expect(at.status, at.stderr).toBe(0);
    expect(readdirSync(queue).filter((name) => name.endsWith(".md"))).toEqual(["task-at.md"]);
  });
});
