/**
 * The public face of `@millrace/supervisor-contract`: the one control path every operator surface
 * uses to change a workspace (`submitControl` and the request builders), issuer normalisation, and
 * the supervisor report (attention reasons, allowed actions, the fleet view).
 */

export { type LineageRepairRequest, submitLineageRepair } from "./control/lineage-repair.js";
export {
  addIdeaRequest,
  addSpecRequest,
  addTaskRequest,
  importDocumentRequest,
  type TitleRequestInput,
} from "./control/requests.js";
export { type ControlResult, type SubmitControlOptions, submitControl } from "./control/submit-control.js";
export { DEFAULT_ISSUER, normalizeIssuer } from "./issuer.js";
export { DEFAULT_STALLED_AFTER_SECONDS } from "./report/activity.js";
export {
  DEFAULT_RECENT_EVENTS,
  type SupervisorReportOptions,
  supervisorFleetReport,
  supervisorReport,
} from "./report/supervisor-report.js";
