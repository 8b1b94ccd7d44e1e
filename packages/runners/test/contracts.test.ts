import {
  RunnerRawResultSchema,
  ScriptFileSchema,
  StageResultEnvelopeSchema,
  StageRunRequestSchema,
  StructuredResultFileSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { normalizeStageResult, parseStageRunRequest } from "../src/index.js";
import { createStageFixture } from "../src/testing/index.js";

function issues(input: unknown): string[] {
  const result = StageRunRequestSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe("StageRunRequest rules", () => {
  const base = () => ({ ...createStageFixture("builder").request });

  it("accepts the fixture request and rejects unknown keys", () => {
    expect(issues(base())).toEqual([]);
    expect(issues({ ...base(), surprise: 1 }).join(" ")).toMatch(/surprise|Unrecognized/);
  });

  it("requires the stage to belong to the plane", () => {
    expect(issues({ ...base(), plane: "planning" }).join(" ")).toContain("belongs to the execution plane");
  });

  it("requires legal markers to mirror the outcome keys in order", () => {
    const request = base();
    expect(
      issues({ ...request, legal_terminal_markers: [...request.legal_terminal_markers].reverse() }).join(" "),
    ).toContain("legal_terminal_markers");
  });

  it("sets work item kind and id together", () => {
    expect(issues({ ...base(), active_work_item_id: null }).join(" ")).toContain("set together");
  });

  it("forbids closure fields on work-item requests and requires all of them on closure requests", () => {
    expect(issues({ ...base(), closure_target_root_spec_id: "spec-x" }).join(" ")).toContain(
      "carry no closure fields",
    );
    const closure = { ...base(), stage: "arbiter", plane: "planning", request_kind: "closure_target" };
    expect(issues(closure).join(" ")).toContain("closure_target requests need");
  });

  it("requires learning requests on the learning plane with a learning_request work item", () => {
    expect(issues({ ...base(), request_kind: "learning_request" }).join(" ")).toContain("learning plane");
  });

  it("refuses ids that are not safe path components", () => {
    expect(issues({ ...base(), request_id: "../escape" }).join(" ")).toContain("invalid id");
    expect(issues({ ...base(), run_id: "run/1" }).join(" ")).toContain("invalid id");
  });

  it("parseStageRunRequest throws runner_request_invalid naming the field", () => {
    expect(() => parseStageRunRequest({ ...base(), run_dir: "relative/dir" })).toThrowError(
      /invalid stage run request: run_dir: must be an absolute path/,
    );
    try {
      parseStageRunRequest({ ...base(), run_dir: "relative" });
    } catch (error) {
      expect((error as { code: string }).code).toBe("runner_request_invalid");
      expect((error as { exitStatus: number }).exitStatus).toBe(1);
    }
  });
});

describe("RunnerRawResult and StageResultEnvelope invariants", () => {
  it("rejects ended_at before started_at and negative token counts", () => {
    const raw = {
      request_id: "r",
      run_id: "x",
      stage: "builder",
      runner_name: "t",
      exit_kind: "completed",
      started_at: "2026-01-01T00:00:01Z",
      ended_at: "2026-01-01T00:00:00Z",
    };
    expect(RunnerRawResultSchema.safeParse(raw).success).toBe(false);
    expect(
      RunnerRawResultSchema.safeParse({
        ...raw,
        ended_at: "2026-01-01T00:00:02+00:00",
        token_usage: { input_tokens: -1, output_tokens: 0, total_tokens: 0 },
      }).success,
    ).toBe(false);
  });

  it("rejects an envelope whose marker, success flag or times disagree", () => {
    const fx = createStageFixture("builder");
    const envelope = normalizeStageResult(fx.request, {
      request_id: fx.request.request_id,
      run_id: fx.request.run_id,
      stage: "builder",
      runner_name: "t",
      exit_kind: "runner_error",
      exit_code: 1,
      notes: [],
      started_at: "2026-01-01T00:00:00Z",
      ended_at: "2026-01-01T00:00:01Z",
    });
    expect(StageResultEnvelopeSchema.safeParse(envelope).success).toBe(true);
    expect(
      StageResultEnvelopeSchema.safeParse({ ...envelope, summary_status_marker: "### OTHER" }).success,
    ).toBe(false);
    expect(StageResultEnvelopeSchema.safeParse({ ...envelope, success: true }).success).toBe(false);
    expect(
      StageResultEnvelopeSchema.safeParse({ ...envelope, completed_at: "2025-01-01T00:00:00Z" }).success,
    ).toBe(false);
  });
});

describe("structured result file and script file schemas", () => {
  it("is strict and defaults summary paths and metadata", () => {
    expect(StructuredResultFileSchema.parse({ terminal_result: "BUILDER_COMPLETE" })).toEqual({
      terminal_result: "BUILDER_COMPLETE",
      summary_artifact_paths: [],
      metadata: {},
    });
    expect(StructuredResultFileSchema.safeParse({ terminal_result: "X", bogus: true }).success).toBe(false);
  });

  it("validates script actions by type", () => {
    expect(ScriptFileSchema.parse({}).unmatched).toBe("first_legal_marker");
    expect(
      ScriptFileSchema.safeParse({ rules: [{ stage: "builder", actions: [{ type: "explode" }] }] }).success,
    ).toBe(false);
    expect(
      ScriptFileSchema.safeParse({ rules: [{ stage: "builder", attempt: 0, actions: [] }] }).success,
    ).toBe(false);
    expect(
      ScriptFileSchema.parse({
        rules: [{ stage: "b", actions: [{ type: "write_file", path: "a", template: "" }] }],
      }).rules[0]?.actions[0],
    ).toEqual({
      type: "write_file",
      path: "a",
      base: "workspace",
      template: "",
      overwrite: true,
    });
  });
});
