import type { DocumentKind } from "@millrace/contracts";

/** How a label's text becomes a field value. */
export type LabelType = "scalar" | "list" | "boolean" | "json";

export interface LabelSpec {
  readonly label: string;
  readonly field: string;
  readonly type: LabelType;
}

const scalar = (label: string, field: string): LabelSpec => ({ label, field, type: "scalar" });
const list = (label: string, field: string): LabelSpec => ({ label, field, type: "list" });

/**
 * The markdown grammar's label tables, in render order: scalars first, then lists. A label means the
 * same field (and is a scalar or a list) in every document kind, so one table serves the parser.
 */
export const DOCUMENT_LABELS: Readonly<Record<DocumentKind, readonly LabelSpec[]>> = {
  task: [
    scalar("Task-ID", "task_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Root-Idea-ID", "root_idea_id"),
    scalar("Root-Spec-ID", "root_spec_id"),
    scalar("Root-Intake-Kind", "root_intake_kind"),
    scalar("Root-Intake-ID", "root_intake_id"),
    scalar("Spec-ID", "spec_id"),
    scalar("Parent-Task-ID", "parent_task_id"),
    scalar("Incident-ID", "incident_id"),
    scalar("Status-Hint", "status_hint"),
    scalar("Created-At", "created_at"),
    scalar("Created-By", "created_by"),
    scalar("Updated-At", "updated_at"),
    list("Depends-On", "depends_on"),
    list("Blocks", "blocks"),
    list("Tags", "tags"),
    list("Target-Paths", "target_paths"),
    list("Acceptance", "acceptance"),
    list("Required-Checks", "required_checks"),
    list("References", "references"),
    list("Risk", "risk"),
  ],
  spec: [
    scalar("Spec-ID", "spec_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Source-Type", "source_type"),
    scalar("Source-ID", "source_id"),
    scalar("Parent-Spec-ID", "parent_spec_id"),
    scalar("Root-Idea-ID", "root_idea_id"),
    scalar("Root-Spec-ID", "root_spec_id"),
    scalar("Root-Intake-Kind", "root_intake_kind"),
    scalar("Root-Intake-ID", "root_intake_id"),
    scalar("Created-At", "created_at"),
    scalar("Created-By", "created_by"),
    scalar("Updated-At", "updated_at"),
    list("Goals", "goals"),
    list("Non-Goals", "non_goals"),
    list("Scope", "scope"),
    list("Constraints", "constraints"),
    list("Assumptions", "assumptions"),
    list("Risks", "risks"),
    list("Target-Paths", "target_paths"),
    list("Entrypoints", "entrypoints"),
    list("Required-Skills", "required_skills"),
    list("Decomposition-Hints", "decomposition_hints"),
    list("Acceptance", "acceptance"),
    list("References", "references"),
  ],
  incident: [
    scalar("Incident-ID", "incident_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Root-Idea-ID", "root_idea_id"),
    scalar("Root-Spec-ID", "root_spec_id"),
    scalar("Root-Intake-Kind", "root_intake_kind"),
    scalar("Root-Intake-ID", "root_intake_id"),
    scalar("Source-Task-ID", "source_task_id"),
    scalar("Source-Spec-ID", "source_spec_id"),
    scalar("Source-Stage", "source_stage"),
    scalar("Source-Plane", "source_plane"),
    scalar("Failure-Class", "failure_class"),
    scalar("Status-Hint", "status_hint"),
    scalar("Severity", "severity"),
    { label: "Needs-Planning", field: "needs_planning", type: "boolean" },
    scalar("Trigger-Reason", "trigger_reason"),
    scalar("Consultant-Decision", "consultant_decision"),
    scalar("Opened-At", "opened_at"),
    scalar("Opened-By", "opened_by"),
    scalar("Updated-At", "updated_at"),
    list("Observed-Symptoms", "observed_symptoms"),
    list("Failed-Attempts", "failed_attempts"),
    list("Evidence-Paths", "evidence_paths"),
    list("Related-Run-IDs", "related_run_ids"),
    list("Related-Stage-Results", "related_stage_results"),
    list("References", "references"),
  ],
  learning_request: [
    scalar("Learning-Request-ID", "learning_request_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Requested-Action", "requested_action"),
    scalar("Target-Skill-ID", "target_skill_id"),
    scalar("Target-Stage", "target_stage"),
    { label: "Trigger-Metadata", field: "trigger_metadata", type: "json" },
    scalar("Created-At", "created_at"),
    scalar("Created-By", "created_by"),
    scalar("Updated-At", "updated_at"),
    list("Source-Refs", "source_refs"),
    list("Preferred-Output-Paths", "preferred_output_paths"),
    list("Originating-Run-IDs", "originating_run_ids"),
    list("Artifact-Paths", "artifact_paths"),
    list("References", "references"),
  ],
  probe: [
    scalar("Probe-ID", "probe_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Request", "request"),
    scalar("Status-Hint", "status_hint"),
    scalar("Created-At", "created_at"),
    scalar("Created-By", "created_by"),
    scalar("Updated-At", "updated_at"),
    list("Target-Paths", "target_paths"),
    list("Constraints", "constraints"),
    list("Acceptance", "acceptance"),
    list("Risk-Notes", "risk_notes"),
    list("References", "references"),
    list("Tags", "tags"),
  ],
  blueprint_draft: [
    scalar("Draft-ID", "draft_id"),
    scalar("Title", "title"),
    scalar("Summary", "summary"),
    scalar("Manifest-ID", "manifest_id"),
    scalar("Draft-Index", "draft_index"),
    scalar("Source-Kind", "source_kind"),
    scalar("Source-ID", "source_id"),
    scalar("Source-Spec-ID", "source_spec_id"),
    scalar("Root-Idea-ID", "root_idea_id"),
    scalar("Root-Spec-ID", "root_spec_id"),
    scalar("Root-Intake-Kind", "root_intake_kind"),
    scalar("Root-Intake-ID", "root_intake_id"),
    scalar("Context-Excerpt", "context_excerpt"),
    scalar("Created-At", "created_at"),
    scalar("Created-By", "created_by"),
    scalar("Updated-At", "updated_at"),
    list("Depends-On-Drafts", "depends_on_draft_ids"),
    list("Target-Paths", "target_paths"),
    list("Acceptance-Intent", "acceptance_intent"),
    list("References", "references"),
  ],
};

/** Every known label, keyed by its lower-cased text. */
export const LABELS_BY_NAME: ReadonlyMap<string, LabelSpec> = (() => {
  const map = new Map<string, LabelSpec>();
  for (const specs of Object.values(DOCUMENT_LABELS)) {
    for (const spec of specs) map.set(spec.label.toLowerCase(), spec);
  }
  return map;
})();

/** Field name → label, per kind (for error messages that name the label a user sees). */
export function labelOfField(kind: DocumentKind, field: string): string | undefined {
  return DOCUMENT_LABELS[kind].find((spec) => spec.field === field)?.label;
}

/**
 * Kind inference from the id labels present. A task may also carry Spec-ID and Incident-ID, and an
 * incident never carries Task-ID, so the more specific id labels are checked first.
 */
export const KIND_ID_LABELS: ReadonlyArray<readonly [string, DocumentKind]> = [
  ["task-id", "task"],
  ["draft-id", "blueprint_draft"],
  ["learning-request-id", "learning_request"],
  ["probe-id", "probe"],
  ["incident-id", "incident"],
  ["spec-id", "spec"],
];
