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
export {
  DEFAULT_RETRY_REASON,
  type RetryBlockedInput,
  retryBlockedRequest,
} from "./control/target-checks.js";
export { checkQuestionRequest } from "./interview/check.js";
export {
  type InterviewAction,
  type InterviewResolveInput,
  listInterviewQuestions,
  resolveInterviewQuestion,
  showInterviewQuestion,
} from "./interview/interview.js";
export { DEFAULT_ISSUER, normalizeIssuer } from "./issuer.js";
export { DEFAULT_STALLED_AFTER_SECONDS } from "./report/activity.js";
export {
  DEFAULT_RECENT_EVENTS,
  type SupervisorReportOptions,
  supervisorFleetReport,
  supervisorReport,
} from "./report/supervisor-report.js";
export { acknowledgeSentinel, type SentinelAcknowledgeOptions } from "./sentinel/acknowledge.js";
export { type SentinelCheckOptions, sentinelCheck } from "./sentinel/check.js";
export {
  type IncidentSeverity,
  type SentinelIncidentOptions,
  submitSentinelIncident,
} from "./sentinel/incident.js";
export { type SentinelPaths, sentinelPaths } from "./sentinel/paths.js";
export { type RecoveryRequestOptions, requestRecovery } from "./sentinel/recovery-request.js";
export { sentinelStatus } from "./sentinel/status.js";
export { type SentinelWatchOptions, sentinelWatch } from "./sentinel/watch.js";
