import { readFileSync } from "node:fs";
import path from "node:path";
import {
  ApprovalsListingOutputSchema,
  CliErrorOutputSchema,
  ControlResultOutputSchema,
  MillraceConfigSchema,
  StatusReportSchema,
} from "@millrace/contracts";
import { ApprovalStore, resolveCapabilityGrants } from "@millrace/governance";
import { afterAll, describe, expect, it } from "vitest";
import { CONTROL_BODY_CAP_BYTES, CONTROL_TOKEN_HEADER, servedWorkspaces } from "../src/index.js";
import { AUTHORITY, testApp, workspaceWithRun } from "./fixtures.js";

const TOKEN = "ab".repeat(32);
const { root } = workspaceWithRun();
const { dashboard, get } = testApp([root], { controlToken: TOKEN });
const readOnly = testApp([workspaceWithRun().root]);
afterAll(() => {
  dashboard.close();
  readOnly.dashboard.close();
});

const post = (
  url: string,
  body: unknown,
  headers: Record<string, string> = { [CONTROL_TOKEN_HEADER]: TOKEN },
) =>
  get(
    url,
    { "Content-Type": "application/json", ...headers },
    "POST",
    body === undefined ? undefined : JSON.stringify(body),
  );

async function error(response: Response) {
  return CliErrorOutputSchema.parse(await response.json()).error;
}

async function result(response: Response) {
  expect(response.status).toBe(200);
  return ControlResultOutputSchema.parse(await response.json());
}

function events(): { event_type: string; data: Record<string, unknown> }[] {
  const file = path.join(root, "millrace-agents", "logs", "runtime_events.jsonl");
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

/** A pending capability approval, as the engine creates one when a stage needs a decision. */
function pendingApproval(): string {
  const config = MillraceConfigSchema.parse({}).execution_capabilities;
  const [grant] = resolveCapabilityGrants({
    stageKindRequests: [
      {
        request_id: "pkg",
        capability_id: "package.install",
        access: "execute",
        required: true,
        requires_enforcement: false,
      },
    ],
    target: { nodeId: "builder", stageKindId: "builder" },
    config,
  });
  if (!grant) throw new Error("no grant");
  const store = new ApprovalStore(servedWorkspaces([root])[0]!.paths);
  return store.findOrCreate(grant, {
    run_id: `run-${Math.random().toString(16).slice(2)}`,
    plane: "execution",
    node_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task",
    work_item_id: "task-1",
  }).approval_id;
}

describe("control routes (--allow-control)", () => {
  it("says control is enabled, and with which issuer", async () => {
    expect(await (await get("/api/capabilities")).json()).toEqual({
      control: true,
      issuer: "web",
      token_header: CONTROL_TOKEN_HEADER,
    });
  });

  it("pauses and resumes through the supervisor contract, recording the issuer web", async () => {
    const paused = await result(await post("/api/w/repo/control/pause", {}));
    expect(paused).toMatchObject({ action: "pause", mode: "direct", applied: true, issuer: "web" });
    const status = StatusReportSchema.parse(await (await get("/api/w/repo/status")).json());
    expect(status.pause_sources).toContain("operator");
    expect(events().find((e) => e.event_type === "runtime_paused_by_operator")).toMatchObject({
      data: { issuer: "web" },
    });
    const resumed = await result(await post("/api/w/repo/control/resume", undefined));
    expect(resumed).toMatchObject({ action: "resume", applied: true, issuer: "web" });
    expect(StatusReportSchema.parse(await (await get("/api/w/repo/status")).json()).paused).toBe(false);
  });

  it("stops (no daemon: marks the runtime stopped)", async () => {
    expect(await result(await post("/api/w/repo/control/stop", {}))).toMatchObject({
      action: "stop",
      applied: true,
    });
  });

  it("adds a task created by web, and refuses a bad id or an unknown field", async () => {
    const added = await result(
      await post("/api/w/repo/control/add-task", {
        title: "From the page",
        id: "task-web",
        body: "<b>text</b>",
      }),
    );
    expect(added.enqueued).toMatchObject({ kind: "task", id: "task-web" });
    const file = readFileSync(path.join(root, added.enqueued?.path ?? ""), "utf8");
    expect(file).toContain("From the page");
    expect(file).toMatch(/Created-By.*web/i);
    const badId = await post("/api/w/repo/control/add-task", { title: "x", id: "../escape" });
    expect(badId.status).toBe(400);
    expect((await error(badId)).code).toBe("invalid_id");
    const extra = await post("/api/w/repo/control/add-task", { title: "x", shell: "rm -rf /" });
    expect(extra.status).toBe(400);
    expect((await error(extra)).message).toContain("invalid request body");
    expect((await post("/api/w/repo/control/add-task", { title: "  " })).status).toBe(400);
    expect((await post("/api/w/repo/control/add-task", "not json")).status).toBe(400);
  });

  it("requeues the active item (retry_active) only with a valid plane", async () => {
    const retried = await result(await post("/api/w/repo/control/retry-active", { scope: "execution" }));
    expect(retried).toMatchObject({
      action: "retry_active",
      applied: false,
      detail: "no active execution work item to retry",
    });
    expect((await post("/api/w/repo/control/retry-active", { scope: "moon" })).status).toBe(400);
    expect((await post("/api/w/repo/control/retry-active", {})).status).toBe(400);
  });

  it("releases a parked item only when governance knows it", async () => {
    const response = await post("/api/w/repo/control/release", { work_item_id: "task-nope" });
    expect(response.status).toBe(409);
    expect((await error(response)).code).toBe("queue_state_conflict");
    expect((await post("/api/w/repo/control/release", { work_item_id: "t", add_budget: -1 })).status).toBe(
      400,
    );
  });

  it("lists, approves and denies pending approvals; refuses bad and unknown ids", async () => {
    const first = pendingApproval();
    const second = pendingApproval();
    const listing = ApprovalsListingOutputSchema.parse(
      await (await get("/api/w/repo/approvals?status=pending")).json(),
    );
    expect(listing.approvals.map((a) => a.approval_id).sort()).toEqual([first, second].sort());
    expect(
      await result(await post(`/api/w/repo/control/approvals/${first}/approve`, { reason: "ok" })),
    ).toMatchObject({ action: "approve_execution_capability", applied: true, issuer: "web" });
    expect(await result(await post(`/api/w/repo/control/approvals/${second}/deny`, {}))).toMatchObject({
      action: "deny_execution_capability",
      applied: true,
    });
    const store = new ApprovalStore(servedWorkspaces([root])[0]!.paths);
    expect(store.show(first)).toMatchObject({ status: "approved", decided_by: "web" });
    expect(store.show(second)).toMatchObject({ status: "denied", decided_by: "web" });
    expect((await post(`/api/w/repo/control/approvals/${first}/deny`, {})).status).toBe(409);
    expect((await post("/api/w/repo/control/approvals/..%2Fetc/approve", {})).status).toBe(400);
    expect((await post("/api/w/repo/control/approvals/approval-x-0000abcd/approve", {})).status).toBe(404);
    expect((await get("/api/w/repo/approvals?status=maybe")).status).toBe(400);
  });

  it("refuses a call without the token (401) or with a wrong one (403), before doing anything", async () => {
    const none = await post("/api/w/repo/control/pause", {}, {});
    expect(none.status).toBe(401);
    expect((await error(none)).code).toBe("dashboard_token_refused");
    expect(
      (await post("/api/w/repo/control/pause", {}, { [CONTROL_TOKEN_HEADER]: "cd".repeat(32) })).status,
    ).toBe(403);
    expect((await post("/api/w/repo/control/pause", {}, { Authorization: "Bearer short" })).status).toBe(403);
    expect((await post("/api/w/repo/control/pause", {}, { Cookie: `token=${TOKEN}` })).status).toBe(401);
    expect((await post("/api/w/repo/control/pause", {}, { Authorization: `Bearer ${TOKEN}` })).status).toBe(
      200,
    );
    expect(events().filter((e) => e.event_type === "runtime_paused_by_operator")).toHaveLength(2);
    await post("/api/w/repo/control/resume", {});
  });

  it("still refuses a foreign Origin or Host, token or not", async () => {
    const origin = await post(
      "/api/w/repo/control/pause",
      {},
      { [CONTROL_TOKEN_HEADER]: TOKEN, Origin: "http://evil.example" },
    );
    expect(origin.status).toBe(403);
    expect((await error(origin)).code).toBe("dashboard_request_refused");
    const host = await dashboard.app.request("/api/w/repo/control/pause", {
      method: "POST",
      headers: { Host: "evil.example:8765", [CONTROL_TOKEN_HEADER]: TOKEN },
    });
    expect(host.status).toBe(403);
    expect(
      (
        await post(
          "/api/w/repo/control/pause",
          {},
          { [CONTROL_TOKEN_HEADER]: TOKEN, Origin: `http://${AUTHORITY}` },
        )
      ).status,
    ).toBe(200);
    await post("/api/w/repo/control/resume", {});
  });

  it("caps the body size (413) and answers 404 for an unknown workspace, 405 for other methods and paths", async () => {
    const big = await post("/api/w/repo/control/add-task", {
      title: "big",
      body: "x".repeat(CONTROL_BODY_CAP_BYTES),
    });
    expect(big.status).toBe(413);
    expect((await post("/api/w/nope/control/pause", {})).status).toBe(404);
    expect((await get("/api/w/repo/control/pause", { [CONTROL_TOKEN_HEADER]: TOKEN }, "PUT")).status).toBe(
      405,
    );
    expect(
      (await get("/api/w/repo/control/format-disk", { [CONTROL_TOKEN_HEADER]: TOKEN }, "POST")).status,
    ).toBe(405);
    expect((await get("/api/w/repo/status", { [CONTROL_TOKEN_HEADER]: TOKEN }, "POST")).status).toBe(405);
  });
});

describe("without --allow-control", () => {
  it("has no control route: POST is 405, and capabilities say so", async () => {
    const response = await readOnly.get(
      "/api/w/repo/control/pause",
      { [CONTROL_TOKEN_HEADER]: TOKEN },
      "POST",
    );
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    expect((await readOnly.get("/api/w/repo/control/pause")).status).toBe(404);
    expect(await (await readOnly.get("/api/capabilities")).json()).toEqual({
      control: false,
      issuer: null,
      token_header: null,
    });
  });
});
