import "./style.css";
import { ApiError, getJson } from "./api.js";
import { listenForControl, loadControl } from "./control.js";
import { type Child, h, render } from "./dom.js";
import { since } from "./format.js";
import { connectLive, type LiveEvent, type LiveState } from "./live.js";
import { PAGES, type Page, type Route, type View } from "./pages/index.js";

interface WorkspaceInfo {
  id: string;
  name: string;
  root: string;
}

const top = document.getElementById("top") as HTMLElement;
const main = document.getElementById("page") as HTMLElement;
let workspaces: WorkspaceInfo[] = [];
let live: LiveState = { connected: false, events: [], gaps: 0 };
let disconnect: (() => void) | undefined;
let liveWorkspace = "";
let generation = 0;
let refreshTimer: number | undefined;

/** `#/w/<id>/<page>[/<arg>]` → route. */
function parseRoute(): Route {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const fallback = workspaces[0]?.id ?? "";
  if (parts[0] !== "w" || !parts[1]) return { workspace: fallback, page: "overview", arg: undefined };
  const page = (parts[2] ?? "overview") as Route["page"];
  return {
    workspace: parts[1],
    page: page in PAGES ? page : "overview",
    arg: parts[3] || undefined,
    arg2: parts[4] || undefined,
  };
}

function nav(route: Route): HTMLElement {
  const link = (page: Route["page"], label: string) =>
    h(
      "a",
      {
        href: `#/w/${encodeURIComponent(route.workspace)}/${page}`,
        class: route.page === page ? "current" : "",
      },
      label,
    );
  const picker = h(
    "nav",
    { class: "workspaces" },
    workspaces.map((w) =>
      h(
        "a",
        {
          href: `#/w/${encodeURIComponent(w.id)}/${route.page}`,
          class: w.id === route.workspace ? "current" : "",
          title: w.root,
        },
        w.name,
      ),
    ),
  );
  return h(
    "div",
    { class: "bar" },
    h("strong", {}, "Millrace"),
    picker,
    h(
      "nav",
      { class: "pages" },
      link("overview", "Overview"),
      link("flow", "Flow"),
      link("queue", "Queue"),
      link("runs", "Runs"),
      link("usage", "Usage"),
    ),
    h(
      "span",
      { class: live.connected ? "live on" : "live off", "data-testid": "live" },
      live.connected ? "live" : "reconnecting…",
    ),
  );
}

function failure(error: unknown): Child[] {
  if (error instanceof ApiError) {
    return [
      h(
        "div",
        { class: "error" },
        h("p", {}, `${error.code}: ${error.message}`),
        error.hint ? h("p", { class: "hint" }, error.hint) : null,
      ),
    ];
  }
  return [h("div", { class: "error" }, String(error))];
}

async function refresh(): Promise<void> {
  const route = parseRoute();
  const mine = ++generation;
  if (route.workspace !== liveWorkspace) {
    disconnect?.();
    liveWorkspace = route.workspace;
    live = { connected: false, events: [], gaps: 0 };
    disconnect = route.workspace
      ? connectLive(route.workspace, (state, again) => {
          live = state;
          render(top, nav(parseRoute()));
          if (again) scheduleRefresh();
        })
      : undefined;
  }
  render(top, nav(route));
  const page: Page = PAGES[route.page];
  let view: View;
  try {
    const data = await page.load(route);
    view = page.view(data, route, live);
    if (mine !== generation) return; // a newer refresh started meanwhile
    render(main, ...view);
    page.after?.(main, data);
    // For performance timing (the bench reads it): when the first page's data is on screen.
    if (performance.getEntriesByName("millrace:first-data").length === 0)
      performance.mark("millrace:first-data");
  } catch (error) {
    if (mine !== generation) return;
    render(main, ...failure(error));
  }
  document.body.dataset.ready = "true";
}

let inFlight: Promise<void> | undefined;
let again = false;

/**
 * Coalesces a burst of events into one refresh, and never runs two at once: events arriving while
 * a page's data is being fetched lead to exactly one more fetch after it (a slow read model on a
 * busy workspace is not asked again and again in parallel).
 */
function scheduleRefresh(): void {
  if (refreshTimer !== undefined) return;
  refreshTimer = window.setTimeout(() => {
    refreshTimer = undefined;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = refresh().finally(() => {
      inFlight = undefined;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    });
  }, 100);
}

/** Elapsed-time labels tick locally; the data itself changes only on events. */
function tickElapsed(): void {
  for (const element of document.querySelectorAll<HTMLElement>("[data-since]")) {
    const text = since(element.dataset.since);
    if (element.textContent !== text) element.textContent = text;
  }
}

/** For tests and the curious: the events this page received, with their stream ids. */
declare global {
  interface Window {
    millraceDashboard?: { events(): LiveEvent[] };
  }
}
window.millraceDashboard = { events: () => [...live.events] };

async function start(): Promise<void> {
  try {
    workspaces = (await getJson<{ workspaces: WorkspaceInfo[] }>("/api/workspaces")).workspaces;
    await loadControl();
  } catch (error) {
    render(main, ...failure(error));
    return;
  }
  window.addEventListener("hashchange", () => void refresh());
  window.addEventListener("millrace:redraw", () => void refresh());
  listenForControl(main, () => parseRoute().workspace);
  window.setInterval(tickElapsed, 1000);
  await refresh();
}

void start();
