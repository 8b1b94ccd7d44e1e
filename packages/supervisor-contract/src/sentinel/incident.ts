import {
  formatTimestamp,
  IncidentDocumentSchema,
  MillraceError,
  type RecoveryTarget,
  type SENTINEL_SEVERITIES,
} from "@millrace/contracts";
import { submitControl } from "../control/submit-control.js";
import { normalizeIssuer } from "../issuer.js";

export type IncidentSeverity = (typeof SENTINEL_SEVERITIES)[number];

/** The stage (and so the plane) a recovery incident names as its source. */
const SOURCE_STAGE: Record<RecoveryTarget, "troubleshooter" | "mechanic"> = {
  troubleshoot: "troubleshooter",
  mechanic: "mechanic",
};
const SOURCE_PLANE = { troubleshoot: "execution", mechanic: "planning" } as const;

export interface RecoveryIncidentInput {
  incidentId: string;
  target: RecoveryTarget;
  /** One line: what is wrong (becomes the failure class). */
  failureSignature: string;
  summary: string;
  severity?: IncidentSeverity;
  evidence?: readonly string[];
  issuer: string;
  now: Date;
}

/** A validated incident document for the planning plane, routed by its source stage. */
export function buildRecoveryIncident(input: RecoveryIncidentInput): Record<string, unknown> {
  const document = {
    kind: "incident",
    incident_id: input.incidentId,
    title: `Recovery request (${input.target}): ${input.summary}`.slice(0, 200),
    summary: input.summary,
    source_stage: SOURCE_STAGE[input.target],
    source_plane: SOURCE_PLANE[input.target],
    failure_class: input.failureSignature,
    severity: input.severity ?? "medium",
    needs_planning: true,
    trigger_reason: `recovery requested by ${input.issuer}`,
    consultant_decision: "needs_planning",
    evidence_paths: [...(input.evidence ?? [])],
    opened_at: formatTimestamp(input.now),
    opened_by: input.issuer,
    body: `Recovery was requested by ${input.issuer}, routed to ${input.target}. ${input.summary}\n`,
  };
  const parsed = IncidentDocumentSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MillraceError(
      "usage_invalid_argument",
      `the incident is invalid: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
      { hint: "Summary and failure signature are single non-empty lines." },
    );
  }
  return document;
}

/** UTC stamp for ids: 20261206T150102Z plus milliseconds, so two requests a second apart differ. */
export function idStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z")
    .toLowerCase();
}

export interface SentinelIncidentOptions {
  failureSignature: string;
  summary: string;
  severity?: IncidentSeverity;
  routingTarget?: RecoveryTarget;
  evidence?: readonly string[];
  issuer?: string | undefined;
  clock?: () => Date;
}

/** `sentinel incident`: files an incident through the control path (issuer `sentinel` by default). */
export function submitSentinelIncident(workspace: string, options: SentinelIncidentOptions) {
  const issuer = normalizeIssuer(options.issuer ?? "sentinel");
  const now = (options.clock ?? (() => new Date()))();
  const target = options.routingTarget ?? "troubleshoot";
  const severity = options.severity ?? "medium";
  const incidentId = `incident-sentinel-${idStamp(now)}`;
  const document = buildRecoveryIncident({
    incidentId,
    target,
    failureSignature: options.failureSignature,
    summary: options.summary,
    severity,
    evidence: options.evidence ?? [],
    issuer,
    now,
  });
  const result = submitControl(
    workspace,
    "import_document",
    { kind: "incident", document },
    { issuer, clock: () => now },
  );
  return {
    incident_id: incidentId,
    routing_target: target,
    severity,
    issuer,
    mode: result.mode,
    command_id: result.command_id,
    incident_path: result.enqueued?.path ?? null,
  };
}
