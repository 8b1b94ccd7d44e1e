import { describe, expect, it } from "vitest";
import { enqueueTask, testEngine } from "../fixtures.js";
import { idsIn, runtimeEvents, scenarioWorkspace } from "../scenarios/helpers.js";

/** The event log without the temp folder name and the lock's random session id, so two workspaces compare. */
function trace(root: string, events: ReturnType<typeof runtimeEvents>) {
  return events.map((event) => {
    const text = JSON.stringify({ type: event.event_type, data: event.data }, (key, value) =>
      key === "session_id" ? "<session>" : value,
    );
    return JSON.parse(text.split(root).join("<ws>"));
  });
}

async function scenario(extraConfig: string) {
  const ws = scenarioWorkspace(
    {
      rules: [
        {
          stage: "builder",
          work_item_id: "task-b",
          attempt: 1,
          actions: [{ type: "marker", token: "BLOCKED" }],
        },
      ],
    },
    extraConfig,
  );
  for (const id of ["task-a", "task-b", "task-c"]) enqueueTask(ws, id);
  const { engine } = testEngine(ws);
  const report = await engine.runDaemon({ untilIdle: true, maxTicks: 500 });
  await engine.close();
  const states = Object.fromEntries(
    (["queue", "active", "done", "blocked"] as const).map((state) => [state, idsIn(ws, "task", state)]),
  );
  return { report, events: trace(ws.root, runtimeEvents(ws)), states };
}

describe("[execution] lanes = 1", () => {
  it("produces the same events and queue states as an engine without the setting", async () => {
    const before = await scenario("");
    const single = await scenario("\n[execution]\nlanes = 1\n");
    expect(single.report).toEqual(before.report);
    expect(single.states).toEqual(before.states);
    expect(single.events).toEqual(before.events);
    expect(before.events.length).toBeGreaterThan(20);
    expect(before.events.some((event) => String(event.type).startsWith("lane_"))).toBe(false);
  }, 60_000);
});
