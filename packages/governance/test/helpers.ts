import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type MillraceConfigInput,
  MillraceConfigSchema,
  type StageResultEnvelope,
  StageResultEnvelopeSchema,
  type TokenUsage,
  type UsageLedgerEntry,
  UsageLedgerEntrySchema,
} from "@millrace/contracts";
import { type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "millrace-governance-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function tempWorkspace(): WorkspacePaths {
  const paths = workspacePaths(tempDir());
  mkdirSync(paths.state, { recursive: true });
  mkdirSync(paths.runs, { recursive: true });
  return paths;
}

export function governanceConfig(input: MillraceConfigInput["usage_governance"] = {}) {
  return MillraceConfigSchema.parse({ usage_governance: { enabled: true, ...input } }).usage_governance;
}

export function usage(total: number, extra: Partial<TokenUsage> = {}): TokenUsage {
  const input = extra.input_tokens ?? Math.round(total * 0.8);
  return {
    input_tokens: input,
    cached_input_tokens: 0,
    output_tokens: total - input,
    thinking_tokens: 0,
    total_tokens: total,
    ...extra,
  };
}

export interface EnvelopeOptions {
  runId?: string;
  requestId?: string;
  completedAt?: string;
  tokens?: TokenUsage | null;
  model?: string | null;
  workItemId?: string;
  stage?: string;
}

export function envelope(options: EnvelopeOptions = {}): StageResultEnvelope {
  const completed = options.completedAt ?? "2026-04-28T10:00:00Z";
  return StageResultEnvelopeSchema.parse({
    schema_version: "1.0",
    kind: "stage_result",
    run_id: options.runId ?? "run-1",
    plane: "execution",
    stage: options.stage ?? "builder",
    node_id: options.stage ?? "builder",
    stage_kind_id: options.stage ?? "builder",
    work_item_kind: "task",
    work_item_id: options.workItemId ?? "task-1",
    terminal_result: "BUILDER_COMPLETE",
    result_class: "success",
    summary_status_marker: "### BUILDER_COMPLETE",
    success: true,
    retryable: false,
    exit_code: 0,
    duration_seconds: 1,
    artifact_paths: [],
    runner_name: "codex_cli",
    model_name: options.model === undefined ? "gpt-5-codex" : options.model,
    token_usage: options.tokens === undefined ? usage(1000) : options.tokens,
    notes: [],
    metadata: {
      request_id: options.requestId ?? "request-1",
      request_kind: "active_work_item",
      mode_id: "default_codex",
      compiled_plan_id: "plan-1",
      closure_target_root_spec_id: null,
      closure_target_root_idea_id: null,
      preferred_rubric_path: null,
      preferred_verdict_path: null,
      preferred_report_path: null,
      skill_revision_evidence_path: null,
      model_reasoning_effort: null,
      normalization_source: "stdout_terminal_token",
      failure_class: null,
      valid_terminal_result: true,
      raw_exit_kind: "completed",
      raw_exit_code: 0,
      timeout_reconciled: false,
    },
    started_at: completed,
    completed_at: completed,
  });
}

/** Writes a stage result where the engine would and returns its absolute path. */
export function writeResult(paths: WorkspacePaths, result: StageResultEnvelope, requestId: string): string {
  const dir = path.join(paths.runs, result.run_id, "stage_results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${requestId}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

let counter = 0;
/** A ledger entry with sensible defaults, for evaluator tests that need no files. */
export function entry(
  overrides: Partial<UsageLedgerEntry> & { total?: number; at?: string } = {},
): UsageLedgerEntry {
  counter += 1;
  const { total, at, ...rest } = overrides;
  const key = `millrace-agents/runs/run-x/stage_results/request-${counter}.json`;
  return UsageLedgerEntrySchema.parse({
    dedupe_key: key,
    counted_at: at ?? "2026-04-28T10:00:00Z",
    stage_completed_at: at ?? "2026-04-28T10:00:00Z",
    plane: "execution",
    run_id: "run-1",
    stage_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task",
    work_item_id: "task-1",
    token_usage: usage(total ?? 1000),
    stage_result_path: key,
    daemon_session_id: null,
    ...rest,
  });
}
