import path from "node:path";
import type { ScriptFileInput } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { dispatch } from "./helpers.js";

const clock = () => new Date("2026-04-28T10:00:00Z");

/** A legal checker result file of exactly `bytes` bytes (a padded note). */
function resultOfSize(bytes: number): string {
  const shell = (pad: string) => JSON.stringify({ terminal_result: "CHECKER_PASS", notes: [pad] });
  const text = shell("n".repeat(bytes - shell("").length));
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

async function checkerWithResult(bytes: number) {
  const fx = createStageFixture("checker");
  const script: ScriptFileInput = {
    rules: [
      {
        stage: "checker",
        actions: [
          {
            type: "write_file",
            base: "run_dir",
            path: "millrace_result.json",
            template: resultOfSize(bytes),
          },
        ],
      },
    ],
  };
  const config = fakeRunnerConfig(
    "scripted",
    {},
    { runners: { scripted: { script: fx.writeScript(script) } }, limits: { max_result_bytes: 8192 } },
  );
  return dispatch(fx, { config, clock });
}

describe("[limits] max_result_bytes", () => {
  it("a result file one byte over the configured cap fails the stage unread, with the reason", async () => {
    const over = await checkerWithResult(8193);
    expect(over.envelope.success).toBe(false);
    expect(over.envelope.metadata.failure_class).toBe("illegal_terminal_result");
    expect(over.envelope.notes.join("\n")).toContain(
      "structured result file refused: it is 8193 bytes; the limit is 8192 bytes",
    );
  });

  it("a result file at the configured cap is read", async () => {
    const at = await checkerWithResult(8192);
    expect(at.envelope.terminal_result).toBe("CHECKER_PASS");
    expect(at.envelope.metadata.normalization_source).toBe("structured_result_file");
    expect(path.basename(String(at.raw.terminal_result_path))).toMatch(/^millrace_result\./);
  });
});
