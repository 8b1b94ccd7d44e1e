import { StageKindSchema } from "@millrace/contracts";
import type { AssetSource } from "./asset-source.js";
import { IssueList } from "./issues.js";
import { parseAsset } from "./parse-asset.js";
import { STAGE_KINDS_DIR } from "./stage-kinds.js";

/** The `##` sections every entrypoint has, in this order (spec §9.1 skeleton). */
export const ENTRYPOINT_SECTIONS = [
  "Mission",
  "Hard Boundaries",
  "Required Outputs And Evidence",
  "Legal Terminal Results",
  "Escalation Boundary",
  "Minimum Required Context",
  "Useful Context",
  "Skills Index Selection",
  "Required Stage-Core Skill",
  "Optional Secondary Skills",
  "Suggested Operating Approach",
] as const;

/** Extra sections for stage kinds with a closure role (the arbiter). */
export const CLOSURE_ENTRYPOINT_SECTIONS = [
  "Inputs",
  "Workflow",
  "Artifact And Reporting Contract",
  "Stop Conditions",
] as const;

export interface EntrypointLintTarget {
  readonly stageKindId: string;
  readonly legalOutcomes: readonly string[];
  readonly closureRole?: boolean;
  /** How findings name the file. */
  readonly path: string;
}

export interface EntrypointLintFinding {
  readonly path: string;
  readonly stage_kind_id: string;
  readonly message: string;
  readonly fix: string;
}

const MARKER = /`### ([A-Z][A-Z0-9_]*)`/g;

function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  let inFence = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("```")) inFence = !inFence;
    const heading = !inFence ? /^## (.+?)\s*$/.exec(line) : null;
    if (heading) {
      const name = heading[1]!;
      current = out.has(name) ? (out.get(`${name} (duplicate)`) ?? []) : [];
      out.set(out.has(name) ? `${name} (duplicate)` : name, current);
      continue;
    }
    current?.push(line);
  }
  return out;
}

/**
 * Checks one entrypoint against its stage kind: the `# <Stage> Entry Instructions` title, every
 * required section once, and a Legal Terminal Results section listing exactly the legal markers.
 * No marker-like line (`### TOKEN` at the start of a line) may appear anywhere, since a stage's
 * final `### TOKEN` line is its result.
 */
export function lintEntrypoint(text: string, target: EntrypointLintTarget): EntrypointLintFinding[] {
  const findings: EntrypointLintFinding[] = [];
  const add = (message: string, fix: string) =>
    findings.push({ path: target.path, stage_kind_id: target.stageKindId, message, fix });
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "";
  if (!/^# .+ Entry Instructions\s*$/.test(firstLine)) {
    add(
      `the first line is not a "# <Stage> Entry Instructions" title (found ${JSON.stringify(firstLine.slice(0, 60))})`,
      "start the file with `# <Stage> Entry Instructions`",
    );
  }
  const found = sections(text);
  const required = [...ENTRYPOINT_SECTIONS, ...(target.closureRole ? CLOSURE_ENTRYPOINT_SECTIONS : [])];
  for (const name of required) {
    if (!found.has(name)) add(`section "## ${name}" is missing`, `add a "## ${name}" section`);
    if (found.has(`${name} (duplicate)`))
      add(`section "## ${name}" appears more than once`, "keep one such section");
  }
  let inFence = false;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.startsWith("```")) inFence = !inFence;
    if (!inFence && /^###\s/.test(line)) {
      add(
        `line ${index + 1} starts with "###", which reads as a terminal marker`,
        "use a bullet with the marker in backticks, or a #### heading",
      );
    }
  });
  const legal = new Set(target.legalOutcomes);
  const legalSection = (found.get("Legal Terminal Results") ?? []).join("\n");
  const listed = new Set([...legalSection.matchAll(MARKER)].map((m) => m[1]!));
  for (const outcome of legal) {
    if (!listed.has(outcome)) {
      add(`Legal Terminal Results does not list \`### ${outcome}\``, `add a bullet for \`### ${outcome}\``);
    }
  }
  for (const token of [...text.matchAll(MARKER)].map((m) => m[1]!)) {
    if (!legal.has(token)) {
      add(
        `\`### ${token}\` is not a legal marker of ${target.stageKindId}`,
        `list only: ${[...legal].map((o) => `### ${o}`).join(", ")}`,
      );
    }
  }
  if (found.has("Legal Terminal Results") && !/\bstop\b/i.test(legalSection)) {
    add(
      "Legal Terminal Results does not tell the stage to stop after printing its marker",
      "add the stop instruction",
    );
  }
  const coreSection = (found.get("Required Stage-Core Skill") ?? []).join("\n");
  if (found.has("Required Stage-Core Skill") && !coreSection.includes(`${target.stageKindId}-core`)) {
    add(
      `Required Stage-Core Skill does not name ${target.stageKindId}-core`,
      `name skills/stage/<plane>/${target.stageKindId}-core/SKILL.md`,
    );
  }
  return [...new Map(findings.map((f) => [`${f.message}`, f])).values()];
}

/**
 * Lints the default entrypoint of every registered stage kind (workspace over packaged). A missing
 * entrypoint is a finding too.
 */
export function lintEntrypoints(source: AssetSource): EntrypointLintFinding[] {
  const issues = new IssueList();
  const findings: EntrypointLintFinding[] = [];
  for (const file of source.list(STAGE_KINDS_DIR)) {
    const kind = parseAsset(source, file, StageKindSchema, issues, "stage kind");
    if (!kind) continue;
    const entry = source.locate(kind.default_entrypoint_path);
    if (!entry) {
      findings.push({
        path: kind.default_entrypoint_path,
        stage_kind_id: kind.stage_kind_id,
        message: "the entrypoint file does not exist",
        fix: `write ${kind.default_entrypoint_path}`,
      });
      continue;
    }
    findings.push(
      ...lintEntrypoint(source.read(entry), {
        stageKindId: kind.stage_kind_id,
        legalOutcomes: kind.legal_outcomes,
        closureRole: kind.closure_role,
        path: entry.displayPath,
      }),
    );
  }
  for (const issue of issues.items) {
    findings.push({
      path: issue.path ?? "",
      stage_kind_id: issue.subject ?? "",
      message: issue.message,
      fix: issue.fix,
    });
  }
  return findings;
}
