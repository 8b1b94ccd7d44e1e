// The public API of @millrace/server: the read-only dashboard server behind `millrace serve`.
export { createDashboardApp, type DashboardApp, type DashboardAppOptions } from "./app.js";
export { ARTIFACT_VIEW_CAP_BYTES, type ArtifactView } from "./artifact-read.js";
export { allowedAuthorities, isLoopbackHost } from "./host-guard.js";
export { CONTENT_SECURITY_POLICY } from "./security-headers.js";
export {
  type DashboardServerOptions,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  type RunningDashboard,
  startDashboardServer,
} from "./start.js";
export { type ServedWorkspace, servedWorkspaces } from "./workspaces.js";
