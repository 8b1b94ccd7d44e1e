/// <reference lib="dom" />
// The dashboard's listing pages in a real browser (Debian's headless Chromium): a queue of more
// than one page shows the first, says how many of how many, and pages forward to the rest.
import path from "node:path";
import { buildTaskFromTitle, openQueueStore } from "@millrace/queue-store";
import { workspacePaths } from "@millrace/workspace";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, closeDashboard, type DashboardSession, openDashboard } from "./dashboard-harness.js";
import { runCli, tempDir } from "./helpers.js";

const TASKS = 130;
const taskId = (i: number) => `task-${String(i).padStart(3, "0")}`;

let session: DashboardSession;
let page: Page;

/** A workspace with 130 queued tasks, oldest first by id, and no runs. */
function workspace(): string {
  const root = path.join(tempDir("millrace-dashboard-pages-"), "paged");
  expect(runCli(["init", root]).status).toBe(0);
  const store = openQueueStore(workspacePaths(root));
  for (let i = 0; i < TASKS; i += 1) {
    // A minute apart, so claim order is id order.
    const now = new Date(Date.UTC(2026, 3, 28, 0, i));
    store.enqueue("task", buildTaskFromTitle({ id: taskId(i), title: `<i>Task</i> ${i}`, now }));
  }
  store.close();
  return root;
}

const itemIds = () =>
  page.locator("li.item > a").evaluateAll((links) => links.map((link) => link.textContent ?? ""));

beforeAll(async () => {
  session = await openDashboard(workspace(), [], /^$/);
  page = session.page;
}, 60_000);

afterAll(() => closeDashboard(session));

describe("paged listings in Chromium", () => {
  it("shows the first 100 queued items of 130, then the other 30 behind the next-page link", async () => {
    await page.goto(session.serving.url);
    await page.locator('.pages a[href$="/queue"]').click();
    const showing = page.locator('[data-testid="showing"]');
    await showing.filter({ hasText: "Showing 100 of 130 items" }).waitFor({ timeout: 10_000 });
    expect(await itemIds()).toEqual(Array.from({ length: 100 }, (_, i) => taskId(i)));
    // Titles are text: the tags are characters on the page, not elements.
    expect(await page.locator("li.item i").count()).toBe(0);
    expect(await page.locator('[data-testid="pager"] a[rel="prev"]').count()).toBe(0);

    await page.locator('[data-testid="pager"] a[rel="next"]').click();
    await showing.filter({ hasText: "Showing 30 of 130 items" }).waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/\/queue\/100$/);
    expect(await itemIds()).toEqual(Array.from({ length: 30 }, (_, i) => taskId(100 + i)));
    expect(await page.locator('[data-testid="pager"] a[rel="next"]').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "queue-second-page.png"), fullPage: true });

    await page.locator('[data-testid="pager"] a[rel="prev"]').click();
    await showing.filter({ hasText: "Showing 100 of 130 items" }).waitFor({ timeout: 10_000 });
    expect(session.problems).toEqual([]);
  }, 30_000);

  it("says so when there are no runs, with no page links", async () => {
    await page.locator('.pages a[href$="/runs"]').click();
    await page
      .locator('[data-testid="showing"]', { hasText: "Showing 0 of 0 runs" })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="pager"]').count()).toBe(0);
    expect(session.problems).toEqual([]);
  }, 30_000);
});
