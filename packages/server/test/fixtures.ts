import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { initWorkspace } from "@millrace/workspace";
import { createDashboardApp, servedWorkspaces } from "../src/index.js";

export const AUTHORITY = "127.0.0.1:8765";

/** An initialized workspace in a temp folder, with one run folder holding one stage result. */
export function workspaceWithRun(): { root: string; runId: string } {
  const root = path.join(mkdtempSync(path.join(os.tmpdir(), "millrace-server-")), "repo");
  initWorkspace(root);
  const runId = "run-0123456789abcdef0123456789abcdef";
  const dir = path.join(root, "millrace-agents", "runs", runId);
  mkdirSync(path.join(dir, "stage_results"), { recursive: true });
  writeFileSync(path.join(dir, "runner_stdout.txt"), "<script>alert(1)</script>\n".repeat(3));
  return { root, runId };
}

export function testApp(roots: string[], options: { controlToken?: string } = {}) {
  const workspaces = servedWorkspaces(roots);
  const dashboard = createDashboardApp({
    workspaces,
    authorities: () => new Set([AUTHORITY, "localhost:8765"]),
    controlToken: options.controlToken,
  });
  const get = (url: string, headers: Record<string, string> = {}, method = "GET", body?: string) =>
    dashboard.app.request(url, { method, headers: { Host: AUTHORITY, ...headers }, body });
  return { dashboard, workspaces, get };
}
