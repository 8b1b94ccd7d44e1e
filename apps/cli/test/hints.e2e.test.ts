import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_CODES } from "@millrace/contracts";
import { DOCTOR_CHECK_CODES } from "@millrace/scheduler";
import { describe, expect, it } from "vitest";
import { commandGroups } from "../dist/commands/index.js";

/**
 * Every `millrace …` command a hint (or any other text in the sources) tells a person to run must
 * exist in the CLI's real command table, with the sub-action and options it names. A renamed or
 * imagined command (`millrace control stop`) fails here instead of in front of an operator.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Declared {
  positionals: { name: string; choices: readonly string[] | undefined }[];
  options: Set<string>;
}

/** Runs a command's yargs builder against a recorder that keeps its positionals and options. */
function declared(command: { builder?: (yargs: never) => unknown }): Declared {
  const result: Declared = { positionals: [], options: new Set() };
  const recorder: unknown = new Proxy(
    {},
    {
      get(_target, property) {
        return (name: unknown, opts?: { choices?: readonly string[]; alias?: string | string[] }) => {
          if (property === "positional")
            result.positionals.push({ name: String(name), choices: opts?.choices });
          if (property === "option") {
            result.options.add(String(name));
            for (const alias of [opts?.alias ?? []].flat()) result.options.add(alias);
          }
          return recorder;
        };
      },
    },
  );
  command.builder?.(recorder as never);
  return result;
}

// Options every command takes (main.ts), and yargs' own completion entry point the shell scripts use.
const GLOBAL_OPTIONS = new Set(["workspace", "w", "json", "help", "h", "get-yargs-completions"]);

interface CommandSpec extends Declared {
  /** Positional names in usage order, e.g. `queue <action> [target]` → action, target. */
  usage: string[];
}

function commandTable(): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  for (const command of commandGroups.flat()) {
    const spec = declared(command);
    for (const usage of [command.command].flat() as string[]) {
      const [name, ...rest] = usage.split(" ");
      const positions = rest.map((part) => part.replace(/^[<[]|\.*[>\]]$/g, "").replace(/\.\.$/, ""));
      table.set(name as string, { ...spec, usage: positions });
    }
  }
  return table;
}

const BARE_WORD = /^[a-z][a-z0-9-]*$/;

/** What is wrong with one `millrace …` command line, or undefined when it exists as written. */
function problemWith(line: string, table: Map<string, CommandSpec>): string | undefined {
  const words = line.trim().split(/\s+/);
  const pipe = words.indexOf("|");
  const tokens = words.slice(1, pipe < 0 ? undefined : pipe);
  const first = tokens[0];
  if (first === undefined) return undefined;
  if (first.startsWith("-")) {
    const option = first.replace(/^-+/, "").split("=")[0] ?? "";
    return GLOBAL_OPTIONS.has(option) ? undefined : `unknown global option ${first}`;
  }
  // `millrace pause|resume|stop` names three commands.
  for (const name of first.split("|")) {
    if (!BARE_WORD.test(name)) return undefined; // a placeholder such as ${entry.command}
    const spec = table.get(name);
    if (!spec) return `no command \`${name}\``;
    let position = 0;
    for (const token of tokens.slice(1)) {
      if (token.startsWith("-")) {
        const option = token.replace(/^-+/, "").split("=")[0] ?? "";
        if (!spec.options.has(option) && !GLOBAL_OPTIONS.has(option)) {
          return `\`${name}\` has no option ${token}`;
        }
        continue;
      }
      const positional = spec.positionals.find((p) => p.name === spec.usage[position]);
      position += 1;
      // Only literal words are checked; <id>, PATH..., ${value} are placeholders.
      if (!BARE_WORD.test(token) || !positional?.choices) continue;
      if (!positional.choices.includes(token)) {
        return `\`${name}\` has no ${positional.name} \`${token}\` (it takes ${positional.choices.join(", ")})`;
      }
    }
  }
  return undefined;
}

/** Backquoted `millrace …` spans in a text (escaped backquotes in template literals count too). */
function quotedCommands(text: string): string[] {
  return [...text.matchAll(/\\?`(millrace [^`\\]*)\\?`/g)].map((match) => match[1] as string);
}

/** Unquoted `millrace <word>…` runs inside the value of each `hint:` property of a source file. */
function hintPropertyCommands(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\bhint:/g)) {
    const rest = source.slice((match.index ?? 0) + 5);
    // The value ends where the next property or the closing brace of its object begins.
    const end = rest.search(/\n\s*(?:[A-Za-z_]+:|[}\])])/);
    const value = end < 0 ? rest : rest.slice(0, end);
    for (const run of value.matchAll(/\bmillrace( [a-z][a-z0-9|-]*(?: (?:--?)?[a-z][a-z0-9-]*)*)/g)) {
      found.push(`millrace${run[1]}`);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function allSourceFiles(): string[] {
  const packages = readdirSync(path.join(repo, "packages"))
    .map((name) => path.join(repo, "packages", name, "src"))
    .filter((dir) => {
      try {
        return readdirSync(dir).length > 0;
      } catch {
        return false;
      }
    });
  return [...packages, path.join(repo, "apps", "cli", "src")].flatMap(sourceFiles);
}

describe("hints name commands that exist", () => {
  const table = commandTable();

  it("the checker knows the real table and catches a command that does not exist", () => {
    expect(table.has("stop")).toBe(true);
    expect(problemWith("millrace stop --workspace /w", table)).toBeUndefined();
    expect(problemWith("millrace queue show <id>", table)).toBeUndefined();
    expect(problemWith("millrace pause|resume|stop", table)).toBeUndefined();
    expect(problemWith("millrace queue ls --json | head", table)).toBeUndefined();
    expect(problemWith("millrace control stop", table)).toBe("no command `control`");
    expect(problemWith("millrace compile frobnicate", table)).toMatch(/has no action `frobnicate`/);
    expect(problemWith("millrace init --forcefully", table)).toBe("`init` has no option --forcefully");
    expect(problemWith("millrace --nope", table)).toBe("unknown global option --nope");
    const placeholder = ["$", "{root}"].join("");
    expect(quotedCommands(`run \\\`millrace stop --workspace ${placeholder}\\\` first`)).toEqual([
      `millrace stop --workspace ${placeholder}`,
    ]);
    expect(hintPropertyCommands('x({\n  hint: "run millrace control stop",\n  details: {},\n})')).toEqual([
      "millrace control stop",
    ]);
  });

  it("every hint in the error catalog", () => {
    const bad = Object.entries(ERROR_CODES).flatMap(([code, info]) =>
      quotedCommands(info.hint).flatMap((line) => {
        const problem = problemWith(line, table);
        return problem ? [`${code}: \`${line}\`: ${problem}`] : [];
      }),
    );
    expect(bad).toEqual([]);
  });

  it("every hint in the doctor's check catalog", () => {
    const bad = Object.entries(DOCTOR_CHECK_CODES).flatMap(([code, info]) =>
      Object.values(info)
        .filter((value): value is string => typeof value === "string")
        .flatMap(quotedCommands)
        .flatMap((line) => {
          const problem = problemWith(line, table);
          return problem ? [`${code}: \`${line}\`: ${problem}`] : [];
        }),
    );
    expect(bad).toEqual([]);
  });

  it("every `hint:` and every quoted `millrace …` in the sources", () => {
    const files = allSourceFiles();
    expect(files.length).toBeGreaterThan(50);
    let checked = 0;
    const bad: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      for (const line of [...quotedCommands(source), ...hintPropertyCommands(source)]) {
        checked += 1;
        const problem = problemWith(line, table);
        if (problem) bad.push(`${path.relative(repo, file)}: \`${line}\`: ${problem}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(bad).toEqual([]);
  });
});
