import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { formatTimestamp } from "@millrace/contracts";
import { toWorkspaceRelative } from "@millrace/workspace";
import type { ControlState } from "./control-handlers.js";

/** `idea-<stem>` with unsafe runs folded to `-` (no double `idea-` prefix). */
export function ideaSpecId(stem: string): string {
  const cleaned = stem.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "") || "idea";
  return cleaned.startsWith("idea-") ? cleaned : `idea-${cleaned}`;
}

function titleAndSummary(markdown: string, stem: string): { title: string; summary: string } {
  const lines = markdown.split(/\r?\n/).map((line) => line.trim());
  const headingIndex = lines.findIndex((line) => /^#\s+\S/.test(line));
  const firstIndex = lines.findIndex((line) => line !== "");
  const titleIndex = headingIndex >= 0 ? headingIndex : firstIndex;
  const title = titleIndex >= 0 ? (lines[titleIndex] ?? "").replace(/^#+\s*/, "").trim() : stem;
  const summaryLine = lines.find(
    (line, index) => index !== titleIndex && line !== "" && line.replace(/^#+\s*/, "") !== "",
  );
  return {
    title: title || stem,
    summary: summaryLine ? summaryLine.replace(/^#+\s*/, "").trim() : `Idea captured from ${stem}`,
  };
}

/**
 * Turns new markdown files in `<root>/ideas/inbox/` into root specs (one per idea, never twice).
 * The idea file stays where it is; the spec references it. Returns the spec ids enqueued.
 */
export function intakeIdeas(state: ControlState): string[] {
  const inbox = state.paths.ideasInbox;
  if (!existsSync(inbox)) return [];
  const enqueued: string[] = [];
  for (const name of readdirSync(inbox).sort()) {
    if (!name.endsWith(".md") || name.startsWith(".")) continue;
    const stem = name.slice(0, -3);
    const specId = ideaSpecId(stem);
    if (state.queue.find(specId)) continue;
    const file = path.join(inbox, name);
    let markdown: string;
    try {
      markdown = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    if (markdown.trim() === "") continue;
    const { title, summary } = titleAndSummary(markdown, stem);
    const relative = toWorkspaceRelative(state.paths, file);
    try {
      state.queue.enqueue("spec", {
        kind: "spec",
        spec_id: specId,
        title: title.slice(0, 200),
        summary: summary.slice(0, 500),
        source_type: "idea",
        source_id: specId,
        root_idea_id: specId,
        root_spec_id: specId,
        root_intake_kind: "idea",
        root_intake_id: specId,
        goals: [summary.slice(0, 500)],
        constraints: ["generated from an ideas/inbox file; the planner refines it"],
        acceptance: ["the planner turns this idea into a concrete plan and tasks"],
        references: [relative],
        created_at: formatTimestamp(state.clock()),
        created_by: "watcher",
      });
      enqueued.push(specId);
      state.pendingEvents.push({
        event_type: "idea_normalized_to_spec",
        data: { spec_id: specId, idea_path: relative },
        occurred_at: state.clock(),
      });
    } catch (error) {
      state.pendingEvents.push({
        event_type: "idea_normalization_skipped",
        data: { idea_path: relative, reason: (error as Error).message },
        occurred_at: state.clock(),
      });
    }
  }
  return enqueued;
}
