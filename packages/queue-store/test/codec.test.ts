import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MillraceError, type TaskDocument } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { decodeDocumentBytes, MAX_DOCUMENT_BYTES } from "../src/codec/import.js";
import { importWorkDocument, parseWorkDocument, readImportFile, renderWorkDocument } from "../src/index.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

function errorOf(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

const TASK = readFileSync(path.join(fixtures, "tasks-task-add-retry-001.md"), "utf8");

describe("spec examples round-trip byte for byte", () => {
  for (const name of readdirSync(fixtures).filter((n) => n.endsWith(".md"))) {
    it(name, () => {
      const text = readFileSync(path.join(fixtures, name), "utf8");
      const doc = parseWorkDocument(text, { file: name });
      expect(renderWorkDocument(doc)).toBe(text);
    });
  }

  it("reads the example task's fields", () => {
    const doc = parseWorkDocument(TASK) as TaskDocument;
    expect(doc).toMatchObject({
      kind: "task",
      task_id: "task-add-retry-001",
      spec_id: "spec-fetcher-hardening",
      depends_on: ["task-setup-000"],
      risk: ["low"],
      summary: "Bound HTTP retries",
      created_at: "2026-04-28T10:00:00Z",
    });
    expect(doc.body).toBeUndefined();
  });

  it("reads incident defaults and learning-request metadata", () => {
    const incident = parseWorkDocument(
      readFileSync(path.join(fixtures, "incidents-incident-task-add-retry-001-1a2b3c4d.md"), "utf8"),
    );
    expect(incident).toMatchObject({ kind: "incident", severity: "high", needs_planning: true });
    const learning = parseWorkDocument(
      readFileSync(path.join(fixtures, "learning-learn-0123456789ab.md"), "utf8"),
    );
    expect(learning).toMatchObject({
      kind: "learning_request",
      trigger_metadata: { rule_id: "execution.troubleshooter.recovery-to-analyst", run_id: "run-abc" },
    });
  });
});

describe("body prose", () => {
  it("keeps prose after the fields, even when it contains Label: lines", () => {
    const text = `${TASK}\nNotes from the operator.\nRisk: this is prose, not a field.\nSummary: also prose\n- and a dash line\n`;
    const doc = parseWorkDocument(text) as TaskDocument;
    expect(doc.risk).toEqual(["low"]);
    expect(doc.summary).toBe("Bound HTTP retries");
    expect(doc.body).toBe(
      "Notes from the operator.\nRisk: this is prose, not a field.\nSummary: also prose\n- and a dash line",
    );
    expect(renderWorkDocument(doc)).toBe(text);
  });

  it("keeps a body that opens with a markdown heading", () => {
    const text = `${TASK}\n## Context\n\nRisk: prose.\n`;
    const doc = parseWorkDocument(text) as TaskDocument;
    expect(doc.body).toBe("## Context\n\nRisk: prose.");
    expect(renderWorkDocument(doc)).toBe(text);
  });

  it("still reads hand-written documents with prose between fields", () => {
    const text = [
      "# Hand written",
      "",
      "Task-ID: task-hand-1",
      "Some context an agent wrote between the fields.",
      "Created-At: 2026-04-28T10:00:00+00:00",
      "Created-By: manager",
      "",
      "## Details",
      "",
      "Target-Paths:",
      "- src/a.ts",
      "",
      "Acceptance:",
      "- works",
      "",
      "Required-Checks:",
      "- npm test",
      "",
      "References:",
      "- none",
      "",
      "Risk:",
      "- low",
      "",
    ].join("\n");
    const doc = parseWorkDocument(text) as TaskDocument;
    expect(doc.task_id).toBe("task-hand-1");
    expect(doc.created_at).toBe("2026-04-28T10:00:00Z");
    expect(doc.target_paths).toEqual(["src/a.ts"]);
  });

  it("drops none / n/a / - placeholders from Depends-On and Blocks", () => {
    const text = TASK.replace("- task-setup-000", "- none\n- N/A\n- task-setup-000");
    expect((parseWorkDocument(text) as TaskDocument).depends_on).toEqual(["task-setup-000"]);
    const inline = TASK.replace("Depends-On:\n- task-setup-000", "Depends-On: none");
    expect((parseWorkDocument(inline) as TaskDocument).depends_on).toEqual([]);
  });

  it("treats a blank optional scalar as absent", () => {
    const text = TASK.replace("Spec-ID: spec-fetcher-hardening", "Spec-ID:");
    expect((parseWorkDocument(text) as TaskDocument).spec_id).toBeUndefined();
  });
});

describe("malformed documents name the file, line and field", () => {
  it("a missing heading", () => {
    const error = errorOf(() => parseWorkDocument("Task-ID: x\n", { file: "tasks/queue/x.md" }));
    expect(error.code).toBe("work_document_invalid");
    expect(error.message).toBe("tasks/queue/x.md:1: the first line must be `# <title>`");
  });

  it("a repeated label", () => {
    const text = TASK.replace("Created-By: manager", "Created-By: manager\nCreated-By: again");
    const error = errorOf(() => parseWorkDocument(text, { file: "t.md" }));
    expect(error.message).toBe("t.md:11: Created-By: appears twice (first on line 10)");
    expect(error.details).toMatchObject({ file: "t.md", line: 11, field: null });
  });

  it("an invalid value", () => {
    const text = TASK.replace("Created-At: 2026-04-28T10:00:00Z", "Created-At: yesterday");
    const error = errorOf(() => parseWorkDocument(text, { file: "t.md" }));
    expect(error.message).toMatch(/^t\.md:9: Created-At: must be an ISO-8601 timestamp/);
    expect(error.details).toMatchObject({ line: 9, field: "created_at" });
  });

  it("a missing required list", () => {
    const text = TASK.replace("Risk:\n- low\n", "").trimEnd().concat("\n");
    const error = errorOf(() => parseWorkDocument(text, { file: "t.md" }));
    expect(error.message).toBe("t.md: Risk: is required but missing");
  });

  it("a Title line that disagrees with the heading", () => {
    const text = TASK.replace("Title: Add retry budget to fetcher", "Title: Something else");
    expect(errorOf(() => parseWorkDocument(text, { file: "t.md" })).message).toBe(
      't.md:4: Title: must equal the heading text "Add retry budget to fetcher"',
    );
  });

  it("a field of another kind", () => {
    const text = TASK.replace("Risk:\n- low", "Risk:\n- low\n\nGoals:\n- g");
    expect(errorOf(() => parseWorkDocument(text, { file: "t.md" })).message).toBe(
      "t.md:34: Goals: is not a field of a task document",
    );
  });

  it("an unsafe id", () => {
    for (const bad of ["../etc", "a/b", "a\\b", "a..b"]) {
      const text = TASK.replace("Task-ID: task-add-retry-001", `Task-ID: ${bad}`);
      const error = errorOf(() => parseWorkDocument(text, { file: "t.md" }));
      expect(error.message).toMatch(/^t\.md:3: Task-ID: invalid id/);
    }
  });

  it("no id label at all", () => {
    expect(errorOf(() => parseWorkDocument("# Just prose\n\nHello.\n")).message).toMatch(/no id field found/);
  });
});

describe("bytes, size and JSON import", () => {
  it("refuses invalid UTF-8", () => {
    const error = errorOf(() => decodeDocumentBytes(Uint8Array.from([0x23, 0x20, 0xff, 0xfe]), "x.md"));
    expect(error.message).toBe("x.md: is not valid UTF-8 text");
  });

  it("refuses documents over 1 MiB", () => {
    const error = errorOf(() => decodeDocumentBytes(new Uint8Array(MAX_DOCUMENT_BYTES + 1), "big.md"));
    expect(error.code).toBe("work_document_too_large");
  });

  it("imports the JSON shape into the canonical markdown", () => {
    const doc = parseWorkDocument(TASK);
    const { kind: _kind, schema_version: _v, ...fields } = doc as TaskDocument;
    const json = JSON.stringify({ ...fields, root_intake_kind: null });
    expect(renderWorkDocument(importWorkDocument(json, "task"))).toBe(TASK);
  });

  it("refuses unknown JSON keys, wrong kinds and other extensions", () => {
    expect(errorOf(() => importWorkDocument('{"task_id":"t","bogus":1}', "task")).code).toBe(
      "work_document_invalid",
    );
    expect(errorOf(() => importWorkDocument('{"kind":"spec"}', "task")).message).toMatch(
      /a task was expected/,
    );
    expect(errorOf(() => importWorkDocument('{"kind":"thing"}')).code).toBe("work_document_kind_unknown");
    expect(errorOf(() => readImportFile(new TextEncoder().encode("x"), "a.txt")).code).toBe(
      "queue_import_unsupported",
    );
  });
});
