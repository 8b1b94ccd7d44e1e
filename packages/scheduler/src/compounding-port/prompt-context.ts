import {
  DEFAULT_STAGE_RULES,
  recordInjection,
  selectPromptContext,
  writeSelectionArtifact,
} from "@millrace/compounding";
import type { CompoundingSelection, StageRunRequest } from "@millrace/contracts";
import type { PromptContextBlock } from "@millrace/runners";
import { readRegularFile, toWorkspaceRelative } from "@millrace/workspace";
import { operatorAnswerBlocks } from "../questions/answer-context.js";
import { type EngineContext, recordEvent } from "../state/context.js";
import { compoundingStore } from "./store-cache.js";

/** Characters of the work item read for the facts' word match (a title and opening are enough). */
const TASK_TEXT_CHARACTERS = 4000;

function taskText(request: StageRunRequest, maxBytes: number): string {
  if (!request.active_work_item_path) return "";
  const read = readRegularFile(request.active_work_item_path, {
    maxBytes,
    plainText: true,
  });
  return read.kind === "ok" ? read.text.slice(0, TASK_TEXT_CHARACTERS) : "";
}

/** Anything in the store this stage could have been given (selected or filtered out)? */
function storeSpoke(selection: CompoundingSelection): boolean {
  const families = [selection.procedures, selection.facts];
  return families.some(
    (family) => family.considered_count > 0 || Object.keys(family.excluded_counts).length > 0,
  );
}

/**
 * The built-in answer of the prompt-context port: the stage-aware, budgeted selection of promoted
 * procedures (and, under `governed_plus`, context facts) for this stage. Whenever the store held
 * anything for the stage, the selection record is written to `<run dir>/compounding_selection/`
 * and the usage store notes what was injected, so the stage's outcome can be credited later.
 * Compounding never stops a stage: a failure is logged and the stage runs without injection.
 */
export function compoundingBlocks(ctx: EngineContext, request: StageRunRequest): PromptContextBlock[] {
  const profile = ctx.config.compounding.profile;
  if (profile === "baseline" || DEFAULT_STAGE_RULES[request.stage] === undefined) return [];
  try {
    const { blocks, selection } = selectPromptContext(compoundingStore(ctx).get({ runId: request.run_id }), {
      runId: request.run_id,
      stage: request.stage,
      profile,
      ...(profile === "governed_plus"
        ? { taskText: taskText(request, ctx.config.limits.max_document_bytes) }
        : {}),
    });
    if (!storeSpoke(selection)) return [];
    // Flushed on their own, not through the journal: they are written as the stage starts, and the
    // next step to commit is the stage's result, after the agent has run (a power loss meanwhile
    // would leave them torn, with no record to rebuild them from).
    const file = writeSelectionArtifact(request.run_dir, request.request_id, selection);
    recordInjection(ctx.paths, { selection, requestId: request.request_id, now: ctx.clock() });
    const selectedIds = [...selection.procedures.selected_ids, ...selection.facts.selected_ids];
    if (selectedIds.length > 0) {
      recordEvent(ctx, "compounding_context_injected", {
        run_id: request.run_id,
        request_id: request.request_id,
        stage: request.stage,
        selected_ids: selectedIds,
        injected_characters: selection.injected_characters,
        artifact_path: toWorkspaceRelative(ctx.paths, file),
      });
    }
    return blocks.map((block) => ({ title: block.title, body: block.body }));
  } catch (error) {
    recordEvent(ctx, "compounding_update_failed", {
      run_id: request.run_id,
      request_id: request.request_id,
      stage: request.stage,
      step: "selection",
      error: (error as Error).message,
    });
    return [];
  }
}

/**
 * Every context block of a stage's prompt: the operator's answers for the work item and the
 * built-in compounding selection first, then the
 * embedder's `hooks.promptContext` blocks.
 */
export async function promptContextFor(
  ctx: EngineContext,
  request: StageRunRequest,
): Promise<readonly PromptContextBlock[]> {
  const builtIn = [...operatorAnswerBlocks(ctx, request), ...compoundingBlocks(ctx, request)];
  if (!ctx.hooks.promptContext) return builtIn;
  const extra = await ctx.hooks.promptContext({
    plane: request.plane,
    stage: request.stage,
    nodeId: request.node_id,
    workItemId: request.active_work_item_id ?? null,
    runId: request.run_id,
    requestId: request.request_id,
  });
  return [...builtIn, ...extra];
}
