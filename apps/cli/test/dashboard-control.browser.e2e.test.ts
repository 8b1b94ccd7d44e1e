// Control from the dashboard (`millrace serve --allow-control`) in real headless Chromium, against
// a live daemon: pausing from the page pauses the daemon (as `millrace status --json` sees it,
// recorded with the issuer web), and the control routes refuse calls without the token, from a
// foreign Origin, or when control is not allowed at all.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { eventLogStart, readEventsFrom, workspacePaths } from "@millrace/workspace";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ARTIFACTS,
  closeDashboard,
  type DashboardSession,
  openDashboard,
  type Serving,
  startDaemon,
  startServe,
} from "./dashboard-harness.js";
import { runCli, tempDir } from "./helpers.js";

let browser: Browser;
let page: Page;
let serving: Serving;
let root = "";
let session: DashboardSession;

interface Status {
  process_running: boolean;
  paused: boolean;
  pause_sources: string[];
}

const status = () => runCli(["status", "-w", root, "--json"]).json<Status>();

function workspace(): string {
  const ws = path.join(tempDir("millrace-dashboard-control-"), "ctl-repo");
  expect(runCli(["init", ws]).status).toBe(0);
  const rt = path.join(ws, "millrace-agents");
  writeFileSync(
    path.join(rt, "millrace.toml"),
    '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/control.json"\n',
  );
  writeFileSync(
    path.join(rt, "scripted", "control.json"),
    JSON.stringify({
      rules: [{ stage: "builder", actions: [{ type: "marker", token: "BUILDER_COMPLETE" }] }],
    }),
  );
  return ws;
}

function webEvents(type: string): Record<string, unknown>[] {
  const log = workspacePaths(root).runtimeEvents;
  return readEventsFrom(log, eventLogStart(log))
    .events.filter((event) => event.event_type === type)
    .map((event) => event.data as Record<string, unknown>);
}

const controlCall = (base: string, headers: Record<string, string>) =>
  fetch(`${base}api/w/ctl-repo/control/pause`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: "{}",
  });

beforeAll(async () => {
  root = workspace();
  // The refused calls below log a failed resource load: those are expected.
  session = await openDashboard(root, ["--allow-control"], /status of 40[13]/);
  ({ browser, page, serving } = session);
}, 60_000);

afterAll(() => closeDashboard(session, serving));

describe("dashboard control (--allow-control) in Chromium", () => {
  it("prints a 64-hex token in the URL; the page keeps it out of the address bar", async () => {
    expect(serving.controlToken).toMatch(/^[0-9a-f]{64}$/);
    expect(serving.controlUrl).toBe(`${serving.url}?token=${serving.controlToken}`);
    await page.goto(serving.controlUrl as string);
    await page.locator('[data-testid="control"]').waitFor({ timeout: 20_000 });
    expect(page.url()).not.toContain("token");
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([]);
  }, 60_000);

  it("pauses the daemon from the page (status: paused by operator; the event log: issuer web), then resumes and stops it", async () => {
    const daemon = startDaemon(root);
    session.daemons.push(daemon);
    await page.locator('[data-testid="daemon-state"]', { hasText: /^running$/ }).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="control-pause"]').click();
    await page
      .locator('[data-testid="control-result"]', { hasText: "pause by web: queued for the running daemon" })
      .waitFor({ timeout: 10_000 });
    await expect.poll(() => status().pause_sources, { timeout: 30_000, interval: 500 }).toContain("operator");
    expect(status()).toMatchObject({ process_running: true, paused: true });
    expect(webEvents("runtime_paused_by_operator")).toContainEqual({ issuer: "web" });
    await page.locator('[data-testid="paused"]', { hasText: "operator" }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, "overview-control-paused.png"), fullPage: true });

    // A task added from the form is queued by the daemon, created by web.
    await page.locator('[data-testid="add-task-form"] input[name="title"]').fill("Added from the page");
    await page.locator('[data-testid="add-task-form"] input[name="id"]').fill("task-from-web");
    await page.locator('[data-testid="add-task-form"] button[type="submit"]').click();
    await page
      .locator('[data-testid="control-result"]', { hasText: "add_task by web" })
      .waitFor({ timeout: 10_000 });
    await expect
      .poll(() => runCli(["queue", "show", "task-from-web", "-w", root, "--json"]).status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(0);

    await page.locator('[data-testid="control-resume"]').click();
    await expect.poll(() => status().paused, { timeout: 30_000, interval: 500 }).toBe(false);
    expect(webEvents("runtime_resumed_by_operator")).toContainEqual({ issuer: "web" });
    await page.locator('[data-testid="control-stop"]').click();
    expect(await daemon.exited).toBe(0);
    await page
      .locator('[data-testid="daemon-state"]', { hasText: "not running" })
      .waitFor({ timeout: 30_000 });
    expect(session.problems).toEqual([]);
  }, 180_000);

  it("refuses a control call without the token (401) and one from a foreign Origin even with it (403)", async () => {
    const before = status().paused;
    const none = await controlCall(serving.url, {});
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("dashboard_token_refused");
    const wrong = await controlCall(serving.url, { "X-Millrace-Token": "0".repeat(64) });
    expect(wrong.status).toBe(403);
    const foreign = await controlCall(serving.url, {
      "X-Millrace-Token": serving.controlToken as string,
      Origin: "http://evil.example",
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe(
      "dashboard_request_refused",
    );
    expect(status().paused).toBe(before);
    // Opened without the token, the page says how to get control instead of showing buttons.
    const bare = await browser.newPage();
    await bare.goto(serving.url);
    await bare.locator('[data-testid="control-locked"]').waitFor({ timeout: 20_000 });
    expect(await bare.locator('[data-testid="control"]').count()).toBe(0);
    await bare.close();
  }, 60_000);

  it("without --allow-control the control route answers 405 and the page shows no controls", async () => {
    const readOnly = await startServe(["-w", root, "--port", "0"]);
    try {
      expect(readOnly.controlToken).toBeNull();
      const response = await controlCall(readOnly.url, {
        "X-Millrace-Token": serving.controlToken as string,
      });
      expect(response.status).toBe(405);
      expect(await (await fetch(`${readOnly.url}api/capabilities`)).json()).toMatchObject({ control: false });
      const other = await browser.newPage();
      await other.goto(`${readOnly.url}?token=${serving.controlToken}`);
      await other.locator('[data-testid="runtime"]').waitFor({ timeout: 20_000 });
      expect(await other.locator('[data-testid="control"], [data-testid="control-locked"]').count()).toBe(0);
      await other.close();
    } finally {
      await readOnly.stop();
    }
  }, 60_000);
});
