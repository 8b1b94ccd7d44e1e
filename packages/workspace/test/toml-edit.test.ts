import { describe, expect, it } from "vitest";
import { parseToml } from "../src/toml.js";
import { editTomlText } from "../src/toml-edit.js";

const FILE = `# Millrace config, hand written
[runtime]
default_mode = "default_codex" # keep this

# The fast alias is for checkers.
[model_aliases.fast]
model = "gpt-mini"   # cheap
thinking_level = "low"

[stages.builder]
timeout_seconds = 600
`;

function parsed(text: string): Record<string, unknown> {
  const result = parseToml(text);
  if (!result.ok) throw new Error(result.problem.reason);
  return result.value;
}

describe("editTomlText: targeted, comment-preserving edits", () => {
  it("replaces a value in place, keeping the line's comment and every other line", () => {
    const out = editTomlText(FILE, [
      { op: "set", table: ["model_aliases", "fast"], key: "model", value: "gpt-nano" },
    ]);
    expect(out).toBe(FILE.replace('model = "gpt-mini"   # cheap', 'model = "gpt-nano" # cheap'));
  });

  it("adds a key at the end of its section, before the blank line and the next section's comment", () => {
    const out = editTomlText(FILE, [
      { op: "set", table: ["runtime"], key: "idle_sleep_seconds", value: "x" },
    ]);
    expect(out).toContain(
      'default_mode = "default_codex" # keep this\nidle_sleep_seconds = "x"\n\n# The fast alias',
    );
  });

  it("appends a missing section at the end, quoting keys that are not bare", () => {
    const out = editTomlText(FILE, [
      { op: "set", table: ["model_assignment"], key: "enabled", value: true },
      { op: "set", table: ["model_assignment", "by_loop"], key: "execution.standard", value: "fast" },
    ]);
    expect(out.startsWith(FILE.trimEnd())).toBe(true);
    expect(
      out.endsWith(
        '[model_assignment]\nenabled = true\n\n[model_assignment.by_loop]\n"execution.standard" = "fast"\n',
      ),
    ).toBe(true);
    expect(parsed(out).model_assignment).toEqual({
      enabled: true,
      by_loop: { "execution.standard": "fast" },
    });
  });

  it("removes a key and a whole section, leaving the next section's comment alone", () => {
    const withoutKey = editTomlText(FILE, [
      { op: "remove_key", table: ["model_aliases", "fast"], key: "thinking_level" },
    ]);
    expect(withoutKey).not.toContain("thinking_level");
    expect(withoutKey).toContain("# cheap");
    const lines = ["[a]", "x = 1", "", "[b]", "y = 2", "", "# about c", "[c]", "z = 3", ""].join("\n");
    expect(editTomlText(lines, [{ op: "remove_table", table: ["b"] }])).toBe(
      ["[a]", "x = 1", "", "# about c", "[c]", "z = 3", ""].join("\n"),
    );
  });

  it("is a no-op for a missing key or section, and keeps CRLF line endings", () => {
    expect(editTomlText(FILE, [{ op: "remove_key", table: ["nope"], key: "x" }])).toBe(FILE);
    const crlf = FILE.replace(/\n/g, "\r\n");
    const out = editTomlText(crlf, [
      { op: "set", table: ["stages", "builder"], key: "timeout_seconds", value: "9" },
    ]);
    expect(out).toContain('timeout_seconds = "9"\r\n');
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("refuses shapes it cannot edit safely, naming config_edit_unsafe", () => {
    const code = (text: string, table: string[], key = "model") => {
      try {
        editTomlText(text, [{ op: "set", table, key, value: "m" }]);
        return "edited";
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };
    // An inline table, dotted keys in a parent section, a multi-line value, an unparseable file.
    expect(code('model_aliases = { fast = { model = "a" } }\n', ["model_aliases", "fast"])).toBe(
      "config_edit_unsafe",
    );
    expect(code('[model_aliases]\nfast.model = "a"\n', ["model_aliases", "fast"])).toBe("config_edit_unsafe");
    expect(code('[x]\nmodel = """\na\n"""\n', ["x"])).toBe("config_edit_unsafe");
    expect(code("[x\nmodel = 1\n", ["x"])).toBe("config_edit_unsafe");
    expect(code('[[model_aliases]]\nmodel = "a"\n', ["model_aliases"])).toBe("config_edit_unsafe");
  });

  it("does not mistake a line inside a multi-line array for a section header", () => {
    const text = '[runners.codex]\nextra_config = [\n  "a",\n]\nprofile = "ci"\n[x]\ny = 1\n';
    const out = editTomlText(text, [
      { op: "set", table: ["runners", "codex"], key: "profile", value: "dev" },
    ]);
    expect(parsed(out)).toEqual({ runners: { codex: { extra_config: ["a"], profile: "dev" } }, x: { y: 1 } });
  });
});
