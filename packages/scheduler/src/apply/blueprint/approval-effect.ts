import { existsSync } from "node:fs";
import path from "node:path";
import type { TaskDocument, WorkDocument } from "@millrace/contracts";
import { importWorkDocument, parseWorkDocument } from "@millrace/queue-store";
import { runDir, toWorkspaceRelative } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../../state/context.js";
import { findDocument } from "../run-end.js";
import type { StageCompletion } from "../stage-completion.js";
import { lineageConflict, lineageOf } from "./lineage.js";
import { blueprintRefused, readArtifact } from "./refusal.js";

const WHAT = "blueprint approval";
const MAX_TASK_BYTES = 1024 * 1024;

const TASK_LINEAGE_FIELDS = [
  ["root_spec_id", "root_spec_id"],
  ["root_idea_id", "root_idea_id"],
] as const;

function readGeneratedTask(ctx: EngineContext, dir: string): TaskDocument {
  for (const name of ["generated_task.md", "generated_task.json"]) {
    const file = path.join(dir, name);
    const text = readArtifact(file, name, MAX_TASK_BYTES, WHAT);
    if (text === undefined) continue;
    const relative = toWorkspaceRelative(ctx.paths, file);
    try {
      const doc = name.endsWith(".json")
        ? importWorkDocument(text, "task", relative)
        : parseWorkDocument(text, { file: relative, kind: "task" });
      return doc as TaskDocument;
    } catch (error) {
      throw blueprintRefused(WHAT, `${name} is not a valid task document: ${(error as Error).message}`);
    }
  }
  throw blueprintRefused(
    WHAT,
    "the outcome is BLUEPRINT_APPROVED but the run folder has no generated_task.md",
  );
}

/** The evaluation, when written, must say what the marker says. */
function checkEvaluation(dir: string): void {
  const text = readArtifact(
    path.join(dir, "blueprint_evaluation.json"),
    "blueprint_evaluation.json",
    MAX_TASK_BYTES,
    WHAT,
  );
  if (text === undefined) return;
  let decision: unknown;
  try {
    decision = (JSON.parse(text) as { decision?: unknown } | null)?.decision;
  } catch (error) {
    throw blueprintRefused(WHAT, `blueprint_evaluation.json is not valid JSON (${(error as Error).message})`);
  }
  if (decision !== undefined && decision !== "approved")
    throw blueprintRefused(
      WHAT,
      `blueprint_evaluation.json decides ${JSON.stringify(decision)}, but the outcome is BLUEPRINT_APPROVED`,
    );
}

/** True when the task was queued by an earlier application of this approval (a replay). */
function queuedFromDraft(existing: WorkDocument | undefined, draftReference: string): boolean {
  return existing?.kind === "task" && existing.references.includes(draftReference);
}

/**
 * BLUEPRINT_APPROVED: the Evaluator's `generated_task.md` becomes an execution task with the draft's
 * lineage (root ids, the source spec as spec_id) and references to the draft and its blueprint. The
 * caller then completes the draft. A missing or invalid task, a taken id or a lineage that
 * disagrees with the draft refuses the approval with nothing queued.
 */
export function enqueueApprovedTask(ctx: EngineContext, completion: StageCompletion): void {
  const draftId = completion.run.work_item_id as string;
  const draft = findDocument(ctx, "blueprint_draft", draftId);
  if (!draft) throw blueprintRefused(WHAT, `the draft ${draftId} is not in the queue`);
  const dir = runDir(ctx.paths, completion.run.run_id);
  checkEvaluation(dir);
  const task = readGeneratedTask(ctx, dir);
  const lineage = lineageOf(draft);
  const conflict = lineageConflict(task as unknown as Record<string, unknown>, lineage, TASK_LINEAGE_FIELDS);
  if (conflict) throw blueprintRefused(WHAT, `generated_task.md: ${conflict}`);
  const draftReference = toWorkspaceRelative(
    ctx.paths,
    path.join(ctx.queue.folder("blueprint_draft", "done").dir, `${draftId}.md`),
  );
  const existing = ctx.queue.find(task.task_id);
  if (existing) {
    if (queuedFromDraft(findDocument(ctx, "task", task.task_id), draftReference)) return;
    throw blueprintRefused(
      WHAT,
      `generated_task.md: Task-ID ${task.task_id} is already taken by ${existing.kind} ${task.task_id} in ${existing.state}`,
    );
  }
  const blueprintFiles = ["blueprint.md", "blueprint_packet.json"]
    .map((name) => path.join(dir, name))
    .filter((file) => existsSync(file))
    .map((file) => toWorkspaceRelative(ctx.paths, file));
  const references = [
    ...new Set([...task.references.filter((ref) => ref !== "none"), draftReference, ...blueprintFiles]),
  ];
  ctx.queue.enqueue("task", {
    ...task,
    root_spec_id: task.root_spec_id ?? lineage.root_spec_id,
    root_idea_id: task.root_idea_id ?? lineage.root_idea_id,
    root_intake_kind: task.root_intake_kind ?? lineage.root_intake_kind,
    root_intake_id: task.root_intake_id ?? lineage.root_intake_id,
    spec_id: task.spec_id ?? lineage.source_spec_id,
    references,
  });
  recordEvent(ctx, "blueprint_task_enqueued", {
    draft_id: draftId,
    task_id: task.task_id,
    run_id: completion.run.run_id,
  });
}
