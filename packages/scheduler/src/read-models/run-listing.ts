/**
 * The `@millrace/scheduler/run-listing` entry: what `runs ls` needs and nothing more, so its cold
 * start does not load the status, trace and compounding read models.
 */
export { countRunFolders, listNewestRuns, type NewestRunsOptions } from "./newest-runs.js";
export { listRunPage, type RunPageOptions } from "./run-page.js";
export { compareRuns, listRuns, summarizeRun } from "./run-summary.js";
