/// <reference lib="dom" />
// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against a
// workspace a scripted-runner daemon drives in the same test. One browser for the whole file.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { eventLogStart, readEventsFrom, workspacePaths } from "@millrace/workspace";
import type { Page } from "playwright-core";
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

let page: Page;
let serving: Serving;
let root = "";
let session: DashboardSession;

/** A ledger line as the engine writes it (what the Usage page charts). */
function ledgerLine(n: number, at: string, total: number): string {
  return `${JSON.stringify({
    dedupe_key: `millrace-agents/runs/run-seed/stage_results/req-${n}.json`,
    counted_at: at,
    stage_completed_at: at,
    plane: "execution",
    run_id: "run-seed",
    stage_id: "builder",
    stage_kind_id: "builder",
    work_item_kind: "task",
    work_item_id: "task-seed",
    token_usage: { input_tokens: total / 2, output_tokens: total / 2, total_tokens: total },
    stage_result_path: `millrace-agents/runs/run-seed/stage_results/req-${n}.json`,
    daemon_session_id: null,
    runner_name: "codex_cli",
    model_name: "gpt-5-codex",
    cost_usd: 0.25 * n,
    cost_source: "runner",
  })}\n`;
}

function workspace(): string {
  const ws = path.join(tempDir("millrace-dashboard-"), "demo-repo");
  expect(runCli(["init", ws]).status).toBe(0);
  const rt = path.join(ws, "millrace-agents");
  writeFileSync(
    path.join(rt, "millrace.toml"),
    '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/dashboard.json"\n',
  );
  // The builder takes a few seconds, so the page can be seen showing it as the running stage.
  writeFileSync(
    path.join(rt, "scripted", "dashboard.json"),
    JSON.stringify({
      rules: [
        {
          stage: "builder",
          actions: [
            { type: "print", text: "<b>not markup</b>" },
            { type: "sleep", ms: 5000 },
            { type: "marker", token: "BUILDER_COMPLETE" },
          ],
        },
      ],
    }),
  );
  writeFileSync(
    path.join(rt, "state", "usage_governance_ledger.jsonl"),
    ledgerLine(1, "2026-12-01T10:00:00Z", 1200) + ledgerLine(2, "2026-12-02T10:00:00Z", 3400),
  );
  expect(runCli(["add-task", "Render the dashboard", "--id", "task-dash", "-w", ws]).status).toBe(0);
  return ws;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

function text(selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .textContent()
    .then((value) => value ?? "");
}

beforeAll(async () => {
  root = workspace();
  // A refused request while the server restarts is expected in the reconnect test.
  session = await openDashboard(root, [], /ERR_CONNECTION_REFUSED|net::ERR/);
  ({ page, serving } = session);
}, 60_000);

afterAll(() => closeDashboard(session, serving));

describe("millrace serve in Chromium", () => {
  it("shows the running stage on the Overview, highlights it on the Flow page, then the final state, without a reload", async () => {
    await page.goto(serving.url);
    await page.locator('[data-testid="live"].on').waitFor({ timeout: 20_000 });
    expect(await text('[data-testid="daemon-state"]')).toBe("not running");
    // A marker on window survives hash navigation and redraws, but not a reload.
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    session.daemons.push(startDaemon(root));
    await page
      .locator('[data-testid="active-stage-execution"]', { hasText: "builder" })
      .waitFor({ timeout: 30_000 });
    expect(await text('[data-testid="daemon-state"]')).toBe("running");
    // The supervisor report's verdict: a stage is running and producing output.
    await page
      .locator('[data-testid="attention-reason"]', { hasText: "working" })
      .waitFor({ timeout: 30_000 });
    expect(await text('[data-testid="liveness"]')).toMatch(/^(progressing|quiet)$/);
    await shot("overview-running");

    await page.locator('a[href$="/flow"]').first().click();
    const active = page.locator('[data-plane="execution"] g.node[data-active="true"]');
    await active.waitFor({ timeout: 10_000 });
    expect(await active.getAttribute("data-node")).toBe("builder");
    await shot("flow-active");

    await page.locator('a[href$="/overview"]').first().click();
    await page
      .locator('[data-testid="active-stage-execution"]', { hasText: "idle" })
      .waitFor({ timeout: 60_000 });
    expect(runCli(["stop", "-w", root]).status).toBe(0);
    await page
      .locator('[data-testid="daemon-state"]', { hasText: "not running" })
      .waitFor({ timeout: 30_000 });
    expect(await text('[data-testid="last-result"]')).not.toBe("—");
    await shot("overview-final");

    // The outcomes seen while the page was open are marked on their edges.
    await page.locator('a[href$="/flow"]').first().click();
    const recent = page.locator('[data-plane="execution"] g.edge.recent', { hasText: "BUILDER_COMPLETE" });
    await recent.waitFor({ timeout: 10_000 });
    expect(await recent.textContent()).toBe("BUILDER_COMPLETE ×1");
    await shot("flow-outcomes");
    await page.locator('a[href$="/overview"]').first().click();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  }, 150_000);

  it("lists each stage of a run with its tokens, and shows an artifact as text", async () => {
    await page.locator('a[href$="/runs"]').first().click();
    const firstRun = page.locator('[data-testid="runs"] tbody tr a').first();
    await firstRun.waitFor({ timeout: 10_000 });
    await firstRun.click();
    await page.locator('[data-testid="stage-row"]').first().waitFor({ timeout: 10_000 });
    const runId = decodeURIComponent(page.url().split("/").pop() ?? "");
    const detail = runCli(["runs", "show", runId, "-w", root, "--json"]).json<{
      stages: { stage: string; token_usage: { total_tokens: number } | null }[];
    }>();
    const rows = page.locator('[data-testid="stage-row"]');
    expect(await rows.count()).toBe(detail.stages.length);
    const stages = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-stage")));
    expect(stages).toEqual(detail.stages.map((stage) => stage.stage));
    const tokenCells = await page.locator('[data-testid="stage-tokens"]').allTextContents();
    expect(tokenCells).toEqual(
      detail.stages.map((stage) =>
        stage.token_usage ? stage.token_usage.total_tokens.toLocaleString("en-US") : "none reported",
      ),
    );
    await shot("run");
    const stdout = page.locator(".artifacts a", { hasText: "stdout" }).first();
    if ((await stdout.count()) > 0) {
      await stdout.click();
      const view = page.locator('[data-testid="artifact"] pre');
      await view.waitFor({ timeout: 10_000 });
      // Shown as text: the tags are characters on the page, not elements.
      expect(await view.textContent()).toContain("<b>not markup</b>");
      expect(await page.locator('[data-testid="artifact"] b').count()).toBe(0);
    }
  }, 60_000);

  it("draws the Usage chart from the ledger's figures", async () => {
    await page.locator('a[href$="/usage"]').first().click();
    const chart = page.locator('[data-testid="usage-chart"]');
    await chart.waitFor({ timeout: 10_000 });
    expect(session.problems).toEqual([]);
    await chart.locator("canvas").waitFor({ timeout: 10_000 });
    expect(await chart.getAttribute("data-points")).toBe("2026-12-01=1200,2026-12-02=3400");
    expect(await text('[data-testid="usage-totals"]')).toContain("4,600 tokens");
    await shot("usage");
  }, 60_000);

  it("keeps the DOM untouched when the same state is drawn again", async () => {
    await page.locator('a[href$="/overview"]').first().click();
    await page.locator('[data-testid="runtime"]').waitFor();
    const mutations = await page.evaluate(async () => {
      let count = 0;
      const observer = new MutationObserver((records) => {
        count += records.filter((r) => !(r.target as Element).closest?.("[data-since]")).length;
      });
      observer.observe(document.getElementById("page") as HTMLElement, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
      window.dispatchEvent(new Event("millrace:redraw"));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      observer.disconnect();
      return count;
    });
    expect(mutations).toBe(0);
  }, 30_000);

  it("resumes the event stream from its cursor after the daemon and the server restart: no gap, no duplicate", async () => {
    const before = await page.evaluate(() => window.millraceDashboard?.events().length ?? 0);
    expect(runCli(["add-task", "Second", "--id", "task-two", "-w", root]).status).toBe(0);
    const first = startDaemon(root);
    session.daemons.push(first);
    await page
      .locator('[data-testid="active-stage-execution"]', { hasText: "builder" })
      .waitFor({ timeout: 30_000 });
    first.process.kill("SIGKILL");
    await first.exited;
    await serving.stop();
    await page.locator('[data-testid="live"].off').waitFor({ timeout: 10_000 });
    // Events written while the page is disconnected must arrive after it reconnects.
    const second = startDaemon(root);
    session.daemons.push(second);
    serving = await startServe(["-w", root, "--port", String(serving.port)]);
    await page.locator('[data-testid="live"].on').waitFor({ timeout: 30_000 });
    await page
      .locator('[data-testid="active-stage-execution"]', { hasText: "idle" })
      .waitFor({ timeout: 60_000 });
    expect(runCli(["stop", "-w", root]).status).toBe(0);
    await second.exited;
    await page
      .locator('[data-testid="daemon-state"]', { hasText: "not running" })
      .waitFor({ timeout: 30_000 });
    const log = workspacePaths(root).runtimeEvents;
    const onDisk = readEventsFrom(log, eventLogStart(log)).positions.map((p) => `${p.segment}:${p.offset}`);
    await expect
      .poll(() => page.evaluate(() => window.millraceDashboard?.events().at(-1)?.id), { timeout: 20_000 })
      .toBe(onDisk.at(-1));
    const received = await page.evaluate(() => window.millraceDashboard?.events().map((e) => e.id) ?? []);
    expect(received.length).toBeGreaterThan(before);
    const start = onDisk.indexOf(received[0] as string);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(received).toEqual(onDisk.slice(start));
    await shot("overview-after-restart");
    expect(session.problems).toEqual([]);
  }, 180_000);
});

declare global {
  interface Window {
    millraceDashboard?: { events(): { id: string; event_type: string }[] };
  }
}
