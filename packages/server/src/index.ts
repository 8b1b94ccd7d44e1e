// The public API of @millrace/server: the dashboard server behind `millrace serve` (read-only
// unless control is allowed).
export { createDashboardApp, type DashboardApp, type DashboardAppOptions } from "./app.js";
export { ARTIFACT_VIEW_CAP_BYTES, type ArtifactView } from "./artifact-read.js";
export { CONTROL_BODY_CAP_BYTES } from "./control-bodies.js";
export { WEB_ISSUER } from "./control-routes.js";
export { CONTROL_TOKEN_HEADER } from "./control-token.js";
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
