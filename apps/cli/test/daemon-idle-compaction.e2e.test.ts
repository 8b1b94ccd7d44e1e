import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

/** The lines V8 printed (`--trace-gc`, `--trace-evacuation-candidates`) for the full collection a `gc()` call ran. */
function linesOfTestingCollection(trace: string): string[] | undefined {
  const lines = trace.split("\n");
  const end = lines.findIndex((line) => /Mark-Compact .*testing/.test(line));
  if (end < 0) return undefined;
  let start = end;
  while (start > 0 && !/(Mark-Compact|Scavenge) /.test(lines[start - 1] as string)) start -= 1;
  return lines.slice(start, end + 1);
}

describe("an idle daemon's collection", () => {
  it("runs once the work is done, and compacts", async () => {
    const root = path.join(tempDir("millrace-idle-gc-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const rt = path.join(root, "millrace-agents");
    writeFileSync(
      path.join(rt, "millrace.toml"),
      '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/plain.json"\n',
    );
    writeFileSync(path.join(rt, "scripted", "plain.json"), JSON.stringify({ rules: [] }));
    for (const id of ["task-a", "task-b"]) {
      expect(runCli(["add-task", `Task ${id}`, "--id", id, "-w", root]).status).toBe(0);
    }
    // V8 reports each collection on stdout: a `gc()` call shows as a full collection for "testing",
    // and the pages it moves objects off as evacuation candidates, printed before it.
    const daemon = spawn(
      process.execPath,
      ["--trace-gc", "--trace-evacuation-candidates", CLI_BIN, "run", "daemon", "-w", root],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    daemon.stdout.on("data", (chunk) => {
      out += chunk;
    });
    daemon.stderr.on("data", (chunk) => {
      err += chunk;
    });
    const exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    try {
      const done = path.join(rt, "tasks", "done");
      await waitFor(
        () => existsSync(done) && readdirSync(done).filter((n) => n.endsWith(".md")).length === 2,
        60_000,
      );
      await waitFor(() => linesOfTestingCollection(out) !== undefined, 60_000);
      const collection = linesOfTestingCollection(out) ?? [];
      expect(
        collection.some((line) => line.includes("Evacuation candidate")),
        collection.join("\n"),
      ).toBe(true);
    } finally {
      daemon.kill("SIGTERM");
    }
    expect(await exited, err).toBe(143);
  }, 150_000);
});
