import { execFileSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compoundingPaths,
  extractRunCandidate,
  lintCompounding,
  loadCompoundingSnapshot,
  recordRunCandidate,
  STORE_FILE_MAX_BYTES,
} from "../src/index.js";
import { completion, tempWorkspace, write } from "./helpers.js";

describe("store reads follow the safe-read rules", () => {
  it("skips links, FIFOs, oversized files and control characters, and lint names each", () => {
    const paths = tempWorkspace();
    const store = compoundingPaths(paths);
    const candidate = extractRunCandidate(completion());
    if (!candidate) throw new Error("no candidate");
    recordRunCandidate(paths, candidate);
    const good = { ...candidate.procedure, scope: "workspace", procedure_id: "proc.workspace.good" };
    write(path.join(store.procedures, "proc.workspace.good.json"), JSON.stringify(good));
    symlinkSync("/etc/passwd", path.join(store.procedures, "proc.workspace.link.json"));
    execFileSync("mkfifo", [path.join(store.procedures, "proc.workspace.fifo.json")]);
    write(path.join(store.procedures, "proc.workspace.huge.json"), `"${"x".repeat(STORE_FILE_MAX_BYTES)}"`);
    write(
      path.join(store.procedures, "proc.workspace.esc.json"),
      JSON.stringify({ ...good, procedure_id: "proc.workspace.esc", title: "\u001b[2Jhidden" }),
    );

    const snapshot = loadCompoundingSnapshot(paths);
    expect(snapshot.procedures.map((p) => p.value.procedure_id).sort()).toEqual([
      candidate.procedure.procedure_id,
      "proc.workspace.good",
    ]);
    const reasons = Object.fromEntries(
      snapshot.problems.map((p) => [path.basename(p.file, ".json"), p.reason]),
    );
    expect(reasons).toEqual({
      "proc.workspace.esc": "holds the control character U+001B",
      "proc.workspace.fifo": "is not a regular file (FIFO)",
      "proc.workspace.huge": `is ${STORE_FILE_MAX_BYTES + 2} bytes; the limit is ${STORE_FILE_MAX_BYTES} bytes`,
      "proc.workspace.link": "is a symbolic link (links are not followed)",
    });
    const ids = lintCompounding(paths).issues.map((issue) => issue.issue_id);
    for (const name of ["esc", "fifo", "huge", "link"]) {
      expect(ids).toContain(`procedure.unloadable.proc.workspace.${name}`);
    }
  });

  it("extraction makes control characters in a stage's message visible", () => {
    const candidate = extractRunCandidate(
      completion({ finalMessage: "# \u001b[31mRed title\u001b[0m\n\nUse make check.\u0007\n" }),
    );
    expect(candidate?.procedure.title).toBe("␛[31mRed title␛[0m");
    expect(candidate?.procedure.procedure_markdown).not.toMatch(/[\u0000-\u0008\u001b]/);
  });
});
