import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { formatTimestamp } from "@millrace/contracts";
import { describeReadProblem, quarantineEntry, readIdeaFile, toWorkspaceRelative } from "@millrace/workspace";
import { type ControlState, event } from "../control/control-state.js";

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
 * Idea ids and idea paths that existing specs already stand for (their root idea, or a reference
 * to the idea file): such an idea is not turned into a second root spec. Read only when an idea
 * file is new to this engine.
 */
function ideasClaimedBySpecs(state: ControlState): Set<string> {
  const claimed = new Set<string>();
  for (const folder of Object.values(state.paths.queues.spec)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith(".md") || name.startsWith(".")) continue;
      const ref = {
        kind: "spec" as const,
        id: name.slice(0, -3),
        state: "queue" as const,
        path: path.join(folder, name),
      };
      try {
        const spec = state.queue.readDocument(ref);
        if (spec.kind !== "spec") continue;
        if (spec.root_idea_id) claimed.add(spec.root_idea_id);
        if (spec.source_type === "idea" && spec.source_id) claimed.add(spec.source_id);
        for (const reference of spec.references) claimed.add(reference.replace(/^\.\//, ""));
      } catch {
        // Unreadable specs are the queue's business (quarantine), not intake's.
      }
    }
  }
  return claimed;
}

/**
 * Turns new markdown files in `<root>/ideas/inbox/` into root specs (one per idea, never twice).
 * The idea file stays where it is; the spec references it. Returns the spec ids enqueued.
 */
export function intakeIdeas(
  state: ControlState,
  seen: Set<string> = new Set(),
  /** `[limits] max_idea_bytes` of the engine's config; default: the workspace's. */
  maxBytes?: number,
): string[] {
  const inbox = state.paths.ideasInbox;
  if (!existsSync(inbox)) return [];
  const names = readdirSync(inbox);
  // Forget names that left the inbox, so `seen` holds no more than the inbox does.
  if (seen.size > 0) {
    const present = new Set(names);
    for (const name of seen) if (!present.has(name)) seen.delete(name);
  }
  const fresh = names
    .filter((name) => name.endsWith(".md") && !name.startsWith(".") && !seen.has(name))
    .sort();
  if (fresh.length === 0) return [];
  const claimed = ideasClaimedBySpecs(state);
  const enqueued: string[] = [];
  for (const name of fresh) {
    const stem = name.slice(0, -3);
    const specId = ideaSpecId(stem);
    const file = path.join(inbox, name);
    const relative = toWorkspaceRelative(state.paths, file);
    if (state.queue.find(specId) || claimed.has(specId) || claimed.has(relative)) {
      seen.add(name);
      continue;
    }
    // No-follow, non-blocking, capped, plain UTF-8 text: a FIFO, a folder, a link (to /dev/zero or
    // /etc/passwd) or a binary blob named `*.md` is moved into quarantine with its reason, once.
    const read = readIdeaFile(state.paths, name, maxBytes === undefined ? {} : { maxBytes });
    if (read.kind === "missing") continue;
    if (read.kind === "outside_workspace") return enqueued;
    if (read.kind !== "ok") {
      seen.add(name);
      const reason = `idea ${describeReadProblem(read)}`;
      quarantineEntry(state.paths, file, reason);
      event(state, "idea_normalization_skipped", { idea_path: relative, reason });
      continue;
    }
    const markdown = read.text;
    // A blank file is probably still being written: look again next cycle.
    if (markdown.trim() === "") continue;
    seen.add(name);
    const { title, summary } = titleAndSummary(markdown, stem);
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
      event(state, "idea_normalized_to_spec", { spec_id: specId, idea_path: relative });
    } catch (error) {
      event(state, "idea_normalization_skipped", { idea_path: relative, reason: (error as Error).message });
    }
  }
  return enqueued;
}
