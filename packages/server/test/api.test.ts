import { mkdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import {
  CliErrorOutputSchema,
  QueueListingSchema,
  RunDetailSchema,
  RunListingSchema,
  StatusReportSchema,
  SupervisorReportSchema,
  UsageReportOutputSchema,
} from "@millrace/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { testApp, workspaceWithRun } from "./fixtures.js";

const { root, runId } = workspaceWithRun();
const other = workspaceWithRun().root;
const { dashboard, get } = testApp([root, other, root]);
afterAll(() => dashboard.close());

async function error(response: Response) {
  return CliErrorOutputSchema.parse(await response.json()).error;
}

describe("the JSON API", () => {
  it("lists each workspace once, with ids made from the folder names", async () => {
    const response = await get("/api/workspaces");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { workspaces: { id: string; root: string }[] };
    expect(body.workspaces.map((w) => w.id)).toEqual(["repo", "repo-2"]);
    expect(body.workspaces[0]?.root).toBe(root);
  });

  it("answers the read models the CLI prints with --json, by schema", async () => {
    const status = StatusReportSchema.parse(await (await get("/api/w/repo/status")).json());
    expect(status.workspace).toBe(root);
    QueueListingSchema.parse(await (await get("/api/w/repo/queue?kind=task")).json());
    const runs = RunListingSchema.parse(await (await get("/api/w/repo/runs")).json());
    expect(runs.runs.map((run) => run.run_id)).toEqual([runId]);
    RunDetailSchema.parse(await (await get(`/api/w/repo/runs/${runId}`)).json());
    UsageReportOutputSchema.parse(await (await get("/api/w/repo/usage?by=day")).json());
  });

  it("answers the supervisor report, its allowed actions naming the issuer web", async () => {
    const response = await get("/api/w/repo/supervisor");
    expect(response.status).toBe(200);
    const report = SupervisorReportSchema.parse(await response.json());
    expect(report.workspace).toBe(root);
    expect(report.attention_reason).toBeTruthy();
    for (const action of report.allowed_actions.filter((a) => a.request !== null)) {
      expect(action.argv).toContain("web");
    }
    expect((await get("/api/w/nope/supervisor")).status).toBe(404);
  });

  it("reports bad query values as usage errors (400) with a hint", async () => {
    const response = await get("/api/w/repo/queue?kind=dragon");
    expect(response.status).toBe(400);
    const body = await error(response);
    expect(body.code).toBe("usage_invalid_argument");
    expect(body.hint).toContain("task");
    expect((await get("/api/w/repo/usage?window=fortnight")).status).toBe(400);
  });

  it("has no compiled graphs before a compile (404 with the fix)", async () => {
    const response = await get("/api/w/repo/graphs");
    expect(response.status).toBe(404);
    expect((await error(response)).hint).toContain("compile");
  });

  it("answers 404 for an unknown workspace or route", async () => {
    expect((await get("/api/w/nope/status")).status).toBe(404);
    expect((await get("/api/w/repo/secrets")).status).toBe(404);
  });
});

describe("safety", () => {
  it("refuses a foreign Host or Origin (DNS rebinding)", async () => {
    const foreign = await get("/api/workspaces", { Host: "evil.example:8765" });
    expect(foreign.status).toBe(403);
    expect((await error(foreign)).code).toBe("dashboard_request_refused");
    expect((await get("/api/workspaces", { Origin: "http://evil.example" })).status).toBe(403);
    expect((await get("/", { Host: "127.0.0.1:9999" })).status).toBe(403);
    expect((await get("/api/workspaces", { Origin: "http://127.0.0.1:8765" })).status).toBe(200);
    expect((await get("/api/workspaces", { Host: "localhost:8765" })).status).toBe(200);
  });

  it("answers 405 to every mutating method, on any path (no control route without the flag)", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      for (const url of ["/api/w/repo/control/pause", "/api/w/repo/status", "/"]) {
        const response = await get(url, {}, method);
        expect(response.status, `${method} ${url}`).toBe(405);
        expect(response.headers.get("Allow")).toBe("GET, HEAD");
      }
    }
    expect((await get("/api/w/repo/control/pause")).status).toBe(404);
  });

  it("refuses traversal run ids before touching a path", async () => {
    for (const id of ["..", "..%2F..%2Fetc", "%2e%2e", "run-1%00x", ".hidden"]) {
      const response = await get(`/api/w/repo/runs/${id}`);
      expect([400, 404], id).toContain(response.status);
      expect((await error(response)).code).toMatch(/^(invalid_id|not_found)$/);
    }
    expect((await error(await get("/api/w/repo/runs/..%2F..%2Fetc"))).code).toBe("invalid_id");
  });

  it("does not follow a run folder linked out of the workspace", async () => {
    const outside = path.join(path.dirname(other), "elsewhere");
    mkdirSync(path.join(outside, "stage_results"), { recursive: true });
    symlinkSync(outside, path.join(root, "millrace-agents", "runs", "run-linked"));
    const response = await get("/api/w/repo/runs/run-linked");
    expect([400, 403]).toContain(response.status);
    const body = await error(response);
    expect(body.code).toMatch(/^(invalid_id|workspace_path_escapes)$/);
    expect(body.details).toEqual({});
  });

  it("serves only artifacts the run read model names, escaped as JSON text", async () => {
    const named = `millrace-agents/runs/${runId}/runner_stdout.txt`;
    const ok = await get(`/api/w/repo/runs/${runId}/artifact?path=${encodeURIComponent(named)}`);
    expect(ok.status).toBe(200);
    const view = (await ok.json()) as { text: string; truncated: boolean; size_bytes: number };
    expect(view.text).toContain("<script>");
    expect(ok.headers.get("Content-Type")).toContain("application/json");
    for (const bad of [
      "millrace-agents/millrace.toml",
      "/etc/passwd",
      `millrace-agents/runs/${runId}/../../millrace.toml`,
    ]) {
      const response = await get(`/api/w/repo/runs/${runId}/artifact?path=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(404);
    }
  });

  it("sends a strict Content-Security-Policy and no-sniff on every answer", async () => {
    for (const response of [
      await get("/api/workspaces"),
      await get("/nothing-here"),
      await get("/api/w/repo/status", { Host: "x:1" }),
    ]) {
      const csp = response.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    }
  });
});

describe("HEAD", () => {
  it("answers like GET without a body", async () => {
    const response = await get("/api/workspaces", {}, "HEAD");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});
