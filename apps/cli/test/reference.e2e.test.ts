import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CODES } from "@millrace/contracts";
import { DOCTOR_CHECK_CODES } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import {
  renderCliReference,
  renderConfigurationReference,
  renderTroubleshooting,
} from "../../../scripts/docs/index.mjs";
import { commandGroups } from "../src/commands/index.js";

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs");
const STALE = "is out of date: run `pnpm docs:generate` and commit the result";

describe("generated reference pages", () => {
  it(`docs/cli.md matches the command definitions (${STALE})`, () => {
    expect(readFileSync(path.join(docs, "cli.md"), "utf8")).toBe(renderCliReference());
  });

  it(`docs/configuration.md matches MillraceConfigSchema (${STALE})`, () => {
    expect(readFileSync(path.join(docs, "configuration.md"), "utf8")).toBe(renderConfigurationReference());
  });

  it("the CLI reference has a section, options and examples for every command", () => {
    const text = renderCliReference();
    for (const command of commandGroups.flat()) {
      const usage = [command.command].flat()[0] as string;
      expect(text).toContain(`### ${usage}\n\n\`millrace ${usage}\`\n\n${command.describe}\n`);
    }
    expect(text).toContain("| `--max-ticks` | number |  |  | daemon: stop after N scheduling cycles |");
    expect(text).toContain("| `action` | yes | `ls`, `list`, `show`, `tail`, `trace` |");
    expect(text).toContain("millrace doctor --json    # ");
  });

  it("the configuration reference lists every key with its default and when it applies", () => {
    const text = renderConfigurationReference();
    expect(text).toContain(
      '| `default_mode` | string | `"default_codex"` | recompile | Mode the runtime compiles and runs',
    );
    expect(text).toContain("| `idle_sleep_seconds` | number > 0 | `1` | next tick |");
    expect(text).toContain("## `[stages.<stage>]`");
    expect(text).toContain("Each `[[usage_governance.runtime_token_rules.rules]]` table:");
    // Every leaf row has a description.
    const rows = text.split("\n").filter((line) => /^\| `[a-z_]+` \|/.test(line));
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) expect(row.trim().endsWith("|  |"), row).toBe(false);
  });

  it(`docs/troubleshooting.md matches the code catalogs (${STALE})`, () => {
    expect(readFileSync(path.join(docs, "troubleshooting.md"), "utf8")).toBe(renderTroubleshooting());
  });

  it("troubleshooting explains every doctor check code and every error code", () => {
    const text = renderTroubleshooting();
    for (const code of [...Object.keys(DOCTOR_CHECK_CODES), ...Object.keys(ERROR_CODES)]) {
      expect(text, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, "m"));
    }
  });
});
