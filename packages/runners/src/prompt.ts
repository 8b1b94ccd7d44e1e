import { STRUCTURED_RESULT_FILE_NAME, type StageRunRequest } from "@millrace/contracts";

/** An extra titled block appended to the prompt (knowledge compounding uses this). */
export interface PromptContextBlock {
  readonly title: string;
  readonly body: string;
}

type Value = string | number | null | undefined;

function scalar(label: string, value: Value): string {
  return `${label}: ${value === null || value === undefined || value === "" ? "none" : String(value)}`;
}

function list(label: string, items: readonly string[]): string[] {
  if (items.length === 0) return [`${label}: none`];
  return [`${label}:`, ...items.map((item) => `- ${item}`)];
}

/**
 * The stage prompt: runner-agnostic plain text that tells the agent which single stage it runs,
 * every field of the request (missing values read `none`), and how to finish. Extra context blocks
 * are appended after the request context and before the closing rules.
 */
export function buildStagePrompt(
  request: StageRunRequest,
  extraContextBlocks: readonly PromptContextBlock[] = [],
): string {
  const workItem =
    request.active_work_item_kind && request.active_work_item_id
      ? `${request.active_work_item_kind} ${request.active_work_item_id}`
      : null;
  const classes = Object.entries(request.allowed_result_classes_by_outcome).map(
    ([outcome, allowed]) => `${outcome}: ${allowed.join(", ")}`,
  );
  const lines: string[] = [
    `You are running one stage of a Millrace workflow: the ${request.stage} stage, and nothing beyond it.`,
    `Read the entrypoint instructions at \`${request.entrypoint_path}\` and carry them out exactly.`,
    "",
    "Stage Request Context:",
    scalar("Request ID", request.request_id),
    scalar("Run ID", request.run_id),
    scalar("Mode ID", request.mode_id),
    scalar("Compiled Plan ID", request.compiled_plan_id),
    scalar("Node ID", request.node_id),
    scalar("Stage Kind ID", request.stage_kind_id),
    scalar("Stage", request.stage),
    scalar("Plane", request.plane),
    scalar("Request Kind", request.request_kind),
    scalar("Running Status Marker", request.running_status_marker),
    scalar("Entrypoint Path", request.entrypoint_path),
    scalar("Entrypoint Contract ID", request.entrypoint_contract_id),
    scalar("Active Work Item", workItem),
    scalar("Active Work Item Path", request.active_work_item_path),
    scalar("Closure Target Path", request.closure_target_path),
    scalar("Closure Target Root Spec ID", request.closure_target_root_spec_id),
    scalar("Closure Target Root Idea ID", request.closure_target_root_idea_id),
    scalar("Canonical Root Spec Path", request.canonical_root_spec_path),
    scalar("Canonical Seed Idea Path", request.canonical_seed_idea_path),
    scalar("Preferred Rubric Path", request.preferred_rubric_path),
    scalar("Preferred Verdict Path", request.preferred_verdict_path),
    scalar("Preferred Report Path", request.preferred_report_path),
    ...list("Legal Terminal Markers", request.legal_terminal_markers),
    ...list("Allowed Result Classes By Outcome", classes),
    ...list("Required Skill Paths", request.required_skill_paths),
    ...list("Attached Skill Paths", request.attached_skill_paths),
    scalar("Run Directory", request.run_dir),
    scalar("Runtime Snapshot Path", request.runtime_snapshot_path),
    scalar("Recovery Counters Path", request.recovery_counters_path),
    scalar("Summary Status Path", request.summary_status_path),
    scalar("Preferred Troubleshoot Report Path", request.preferred_troubleshoot_report_path),
    scalar("Runtime Error Code", request.runtime_error_code),
    scalar("Runtime Error Report Path", request.runtime_error_report_path),
    scalar("Runtime Error Catalog Path", request.runtime_error_catalog_path),
    scalar("Skill Revision Evidence Path", request.skill_revision_evidence_path),
    scalar("Runner Name", request.runner_name),
    scalar("Model Name", request.model_name),
    scalar("Model Reasoning Effort", request.model_reasoning_effort ?? request.thinking_level),
    scalar("Timeout Seconds", request.timeout_seconds),
  ];
  for (const block of extraContextBlocks) {
    lines.push("", `${block.title.trim()}:`, block.body.replace(/\s+$/, ""));
  }
  const markers = request.legal_terminal_markers.map((marker) => `\`${marker}\``).join(", ");
  lines.push(
    "",
    "How to finish:",
    "- End your final message with exactly one legal terminal marker from the entrypoint contract, alone on its own line.",
    `- The legal markers for this stage are: ${markers}.`,
    "- Use a marker exactly as listed: never invent one, rename one, or print a second, different marker.",
    `- Optionally, also write \`${request.run_dir}/${STRUCTURED_RESULT_FILE_NAME}\` with {"terminal_result", "result_class", "summary_artifact_paths", "notes", "metadata"}; it must agree with your marker.`,
  );
  return `${lines.join("\n")}\n`;
}
