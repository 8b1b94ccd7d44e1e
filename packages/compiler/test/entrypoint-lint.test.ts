import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTRYPOINT_SECTIONS, lintEntrypoint } from "../src/entrypoint-lint.js";
import { REPO_ASSETS } from "./helpers.js";

const target = {
  stageKindId: "checker",
  legalOutcomes: ["CHECKER_PASS", "FIX_NEEDED", "BLOCKED"],
  path: "x.md",
};

function skeleton(markers: string[], extra = ""): string {
  const parts = ["# Checker Entry Instructions", ""];
  for (const section of ENTRYPOINT_SECTIONS) {
    parts.push(`## ${section}`, "");
    if (section === "Legal Terminal Results") {
      parts.push(...markers.map((m) => `- \`### ${m}\` — meaning.`), "", "Print one marker, then stop.");
    }
    if (section === "Required Stage-Core Skill")
      parts.push("- `skills/stage/execution/checker-core/SKILL.md`");
    parts.push("");
  }
  return parts.join("\n") + extra;
}

describe("entrypoint lint", () => {
  it("accepts a complete skeleton with exactly the legal markers", () => {
    expect(lintEntrypoint(skeleton(["CHECKER_PASS", "FIX_NEEDED", "BLOCKED"]), target)).toEqual([]);
  });

  it("accepts the shipped checker entrypoint", () => {
    const text = readFileSync(path.join(REPO_ASSETS, "entrypoints/execution/checker.md"), "utf8");
    expect(lintEntrypoint(text, target)).toEqual([]);
  });

  it("reports a missing legal marker and an invented one", () => {
    const messages = lintEntrypoint(skeleton(["CHECKER_PASS", "BLOCKED", "CHECKER_MAYBE"]), target).map(
      (f) => f.message,
    );
    expect(messages).toContain("Legal Terminal Results does not list `### FIX_NEEDED`");
    expect(messages).toContain("`### CHECKER_MAYBE` is not a legal marker of checker");
  });

  it("reports a missing section, a wrong title and a marker-like line", () => {
    const text = skeleton(["CHECKER_PASS", "FIX_NEEDED", "BLOCKED"], "\n### CHECKER_PASS\n")
      .replace("# Checker Entry Instructions", "# Checker")
      .replace("## Escalation Boundary", "## Escalation");
    const messages = lintEntrypoint(text, target).map((f) => f.message);
    expect(messages).toContain('section "## Escalation Boundary" is missing');
    expect(messages.some((m) => m.startsWith("the first line is not"))).toBe(true);
    expect(messages.some((m) => m.includes('starts with "###"'))).toBe(true);
  });

  it("requires the closure sections for a closure-role stage", () => {
    const messages = lintEntrypoint(skeleton(["CHECKER_PASS", "FIX_NEEDED", "BLOCKED"]), {
      ...target,
      closureRole: true,
    }).map((f) => f.message);
    expect(messages).toContain('section "## Stop Conditions" is missing');
  });
});
