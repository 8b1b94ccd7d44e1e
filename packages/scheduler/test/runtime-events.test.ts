import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRuntimeEventName, RUNTIME_EVENT_NAMES, type TypedRuntimeEvent } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { BasicMonitorFormatter } from "../src/monitor/basic-formatter.js";
import { monitorViewOf } from "../src/monitor/monitor-view.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const packagesRoot = path.resolve(here, "..", "..");

/** Every TypeScript source of the packages that write runtime events. */
function sources(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts"))
        out.push({ file: path.relative(packagesRoot, full), text: readFileSync(full, "utf8") });
    }
  };
  walk(path.join(packagesRoot, "scheduler", "src"));
  walk(path.join(packagesRoot, "queue-store", "src"));
  // Sentinel (in the supervisor contract) writes its acknowledgement to the same event log.
  walk(path.join(packagesRoot, "supervisor-contract", "src"));
  return out;
}

/** The text of a call's second argument (the event name expression), up to the comma that ends it. */
function nameArgument(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return text.slice(from, i);
      depth--;
    } else if (c === "," && depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}

describe("runtime events are declared once, in @millrace/contracts", () => {
  it("every event name the sources emit is declared", () => {
    const emitted: Array<{ file: string; name: string }> = [];
    const problems: string[] = [];
    for (const { file, text } of sources()) {
      // recordEvent(sink, <name>, …), event(state, <name>, …), emit(store, <name>, …)
      for (const match of text.matchAll(/\b(?:recordEvent|event|emit)\(\s*[\w.]+,\s*/g)) {
        if (match.index === undefined || /function\s+$/.test(text.slice(0, match.index))) continue;
        const argument = nameArgument(text, match.index + match[0].length);
        if (argument.includes("`")) problems.push(`${file}: template event name ${argument}`);
        for (const literal of argument.matchAll(/"([^"]*)"/g))
          emitted.push({ file, name: literal[1] as string });
      }
      // { event_type: "…" } and { eventType: "…" } literals
      for (const literal of text.matchAll(/\b(?:event_type|eventType):\s*"([^"]*)"/g))
        emitted.push({ file, name: literal[1] as string });
    }
    expect(emitted.length).toBeGreaterThan(50);
    for (const { file, name } of emitted) if (!isRuntimeEventName(name)) problems.push(`${file}: ${name}`);
    expect(problems).toEqual([]);
  });

  it("every declared event name is written somewhere (no stale declarations)", () => {
    const literals = new Set<string>();
    for (const { text } of sources())
      for (const match of text.matchAll(/"([a-z][a-z0-9_]*)"/g)) literals.add(match[1] as string);
    expect(RUNTIME_EVENT_NAMES.filter((name) => !literals.has(name))).toEqual([]);
  });

  it("renders the monitor view from the same event the log records", () => {
    const at = new Date("2026-04-28T10:00:00Z");
    const completed: TypedRuntimeEvent = {
      event_type: "stage_completed",
      data: {
        request_id: "request-1",
        stage: "builder",
        node_id: "builder",
        stage_kind_id: "builder",
        plane: "execution",
        run_id: "run-1",
        work_item_kind: "task",
        work_item_id: "task-a",
        troubleshoot_report_path: null,
        thinking_level: "high",
        terminal_result: "BUILDER_COMPLETE",
        result_class: "success",
        failure_class: null,
        duration_seconds: 1.5,
        token_usage: null,
      },
    };
    expect(monitorViewOf(completed, at)).toEqual({
      type: "stage_completed",
      at,
      plane: "execution",
      stage: "builder",
      nodeId: "builder",
      stageKindId: "builder",
      runId: "run-1",
      requestId: "request-1",
      workItemKind: "task",
      workItemId: "task-a",
      thinkingLevel: "high",
      terminalResult: "BUILDER_COMPLETE",
      status: "BUILDER_COMPLETE",
      durationSeconds: 1.5,
      tokenUsage: null,
      failureClass: null,
    });
    const view = monitorViewOf(completed, at);
    expect(view && new BasicMonitorFormatter().format(view)[0]).toMatch(
      /^\[10:00:00\] stage done execution\/builder run=\S+ work=task:task-a thinking=high result=BUILDER_COMPLETE dur=1\.5s$/,
    );
    const { thinking_level: _omitted, ...older } = completed.data as Record<string, unknown>;
    const olderView = monitorViewOf({ ...completed, data: older } as TypedRuntimeEvent, at);
    expect(olderView && new BasicMonitorFormatter().format(olderView)[0]).not.toContain("thinking=");
    const decision: TypedRuntimeEvent = {
      event_type: "router_decision",
      data: {
        action: "run_stage",
        plane: "execution",
        run_id: "run-1",
        next_stage: "troubleshooter",
        next_node_id: "troubleshooter",
        next_stage_kind_id: "troubleshooter",
        terminal_state_id: null,
        reason: "builder:BUILDER_COMPLETE",
        failure_class: null,
        policy_id: null,
      },
    };
    expect(
      monitorViewOf(decision, at, { runtimeErrorCode: "execution_post_stage_apply_failed" }),
    ).toMatchObject({
      type: "router_decision",
      reason: "runtime_exception:execution_post_stage_apply_failed",
    });
    expect(
      monitorViewOf({ event_type: "runtime_tick_paused", data: { pause_sources: ["operator"] } }, at),
    ).toEqual({
      type: "runtime_paused",
      at,
      reason: "operator",
    });
    expect(
      monitorViewOf(
        { event_type: "closure_target_opened", data: { root_spec_id: "a", root_idea_id: "b" } },
        at,
      ),
    ).toBeUndefined();
  });
});
