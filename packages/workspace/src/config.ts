import { createHash } from "node:crypto";
import {
  canonicalJson,
  configRangeOfIssue,
  describeConfigRange,
  type MillraceConfig,
  MillraceConfigSchema,
  MillraceError,
} from "@millrace/contracts";
import type { z } from "zod";
import { defaultConfigCache } from "./config-cache.js";
import { type WorkspacePaths, workspacePaths } from "./paths.js";
import { describeReadProblem, READ_LIMITS, readRegularFile } from "./safe-read.js";
import { parseToml, tomlKeyLines } from "./toml.js";

/** One problem in a config text, already phrased for a person: names the key, the line and the fix. */
export interface ConfigProblem {
  readonly key: string;
  readonly line: number | null;
  readonly message: string;
}

export type ConfigValidation =
  | { ok: true; config: MillraceConfig; problems: [] }
  | { ok: false; code: "config_parse_failed" | "config_invalid"; problems: ConfigProblem[] };

/**
 * Validates the text of a `millrace.toml` and returns the effective config (defaults applied) or
 * every problem found. `source` names the file in messages.
 */
export function validateConfigText(text: string, source = "millrace.toml"): ConfigValidation {
  const parsed = parseToml(text);
  if (!parsed.ok) {
    const { line, column, reason } = parsed.problem;
    return {
      ok: false,
      code: "config_parse_failed",
      problems: [
        {
          key: "",
          line,
          message: `${source} is not valid TOML at line ${line}, column ${column}: ${reason}`,
        },
      ],
    };
  }
  // One parse per text (parseConfigText keeps the result): compiling a fast path would not pay back.
  const result = MillraceConfigSchema.safeParse(parsed.value, { jitless: true });
  if (result.success) return { ok: true, config: result.data, problems: [] };
  const keyLines = tomlKeyLines(text);
  // A value can break its type's own bound and its range at once (0 for a key that must be > 0 and
  // from 0.01): report the first problem of each key only.
  const seen = new Set<string>();
  const issues = result.error.issues.filter((issue) => {
    if (issue.code === "unrecognized_keys") return true;
    const key = issue.path.map(String).join(".");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const problems = issues.flatMap((issue) => describeIssue(issue, parsed.value, keyLines));
  return { ok: false, code: "config_invalid", problems };
}

let lastParsed: { text: string; config: MillraceConfig } | undefined;

/** Parses a config text or throws the first problem as a MillraceError (config_parse_failed / config_invalid). */
export function parseConfigText(text: string, source = "millrace.toml"): MillraceConfig {
  // The daemon and the CLI reload the same text again and again (each reload check, each command);
  // parsing TOML and validating it is the cost, so the last valid text's result is kept and a copy
  // handed out (callers may change what they get).
  if (lastParsed !== undefined && lastParsed.text === text) return structuredClone(lastParsed.config);
  // Then the operator's validated-config cache (config-cache.ts): what validating this exact text
  // gave another process running the same code.
  const cache = defaultConfigCache();
  const cached = cache?.read(text);
  if (cached !== undefined) {
    lastParsed = { text, config: structuredClone(cached) };
    return cached;
  }
  const validation = validateConfigText(text, source);
  if (validation.ok) {
    cache?.write(text, validation.config);
    lastParsed = { text, config: structuredClone(validation.config) };
    return validation.config;
  }
  const [first] = validation.problems;
  const more =
    validation.problems.length > 1 ? ` (and ${validation.problems.length - 1} more problem(s))` : "";
  throw new MillraceError(validation.code, `${first?.message ?? "invalid config"}${more}`, {
    details: { problems: validation.problems, file: source },
  });
}

/**
 * The effective config of a workspace: built-in defaults deep-merged with `millrace.toml` (a
 * missing file means all defaults). Throws config_parse_failed / config_invalid.
 */
export function loadConfig(workspace: WorkspacePaths | string): MillraceConfig {
  const paths = typeof workspace === "string" ? workspacePaths(workspace) : workspace;
  const text = readConfigFile(paths.configFile, { followLinks: false });
  if (text === undefined) return MillraceConfigSchema.parse({});
  return parseConfigText(text, paths.configFile);
}

/**
 * The text of a config file, or undefined when it does not exist. A workspace's own millrace.toml
 * is repository content: a link is not followed, and a FIFO, a device or a file over the cap is
 * refused instead of hanging or filling memory. A file the operator names (`--config`) may be a
 * link, but must still end at a regular file within the cap.
 */
export function readConfigFile(file: string, options: { readonly followLinks: boolean }): string | undefined {
  const outcome = readRegularFile(file, {
    maxBytes: READ_LIMITS.config,
    utf8: true,
    followLinks: options.followLinks,
  });
  if (outcome.kind === "ok") return outcome.text;
  if (outcome.kind === "missing") return undefined;
  throw new MillraceError("workspace_file_rejected", `config file ${file} ${describeReadProblem(outcome)}`, {
    hint: "Make it a regular TOML file under 1 MiB (links inside a workspace are not followed).",
    details: { file, reason: outcome.kind },
  });
}

/** The config version recorded in the snapshot: `cfg-` + 12 hex of the sha256 of the canonical effective config. */
export function configFingerprint(config: MillraceConfig): string {
  return `cfg-${createHash("sha256").update(canonicalJson(config)).digest("hex").slice(0, 12)}`;
}

// --- message building

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function lineOf(keyLines: Map<string, number>, path: readonly PropertyKey[]): number | null {
  for (let length = path.length; length > 0; length--) {
    const line = keyLines.get(path.slice(0, length).map(String).join("."));
    if (line !== undefined) return line;
  }
  return null;
}

function at(line: number | null): string {
  return line === null ? "" : ` at line ${line}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

function describeIssue(issue: Issue, input: unknown, keyLines: Map<string, number>): ConfigProblem[] {
  const path = issue.path;
  const dotted = path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(path);
    return issue.keys.map((key) => {
      const full = [...path, key];
      const name = full.map(String).join(".");
      const line = lineOf(keyLines, full);
      const list = known.length > 0 ? ` (known keys: ${known.join(", ")})` : "";
      return { key: name, line, message: `unknown key \`${name}\`${at(line)}; remove it${list}` };
    });
  }
  const line = lineOf(keyLines, path);
  const got = valueAt(input, path);
  const expectation = describeExpectation(path);
  if (issue.code === "invalid_value" && "values" in issue) {
    const allowed = issue.values.map((v) => String(v)).join(", ");
    return [
      { key: dotted, line, message: `\`${dotted}\`${at(line)} must be one of ${allowed}; got ${show(got)}` },
    ];
  }
  if (issue.code === "invalid_key") {
    return [{ key: dotted, line, message: `\`${dotted}\`${at(line)} has an invalid key: ${issue.message}` }];
  }
  const range = configRangeOfIssue(issue);
  if (range) {
    return [
      {
        key: dotted,
        line,
        message: `\`${dotted}\`${at(line)} must be ${describeConfigRange(range)}, got ${show(got)}; ${path.some((part) => typeof part === "number") ? "set a value in that range" : "set a value in that range, or remove the key to use its default"}`,
      },
    ];
  }
  if (issue.code === "custom" || issue.code === "invalid_format") {
    return [
      {
        key: dotted,
        line,
        message: `\`${dotted}\`${at(line)} is invalid: ${issue.message}; got ${show(got)}`,
      },
    ];
  }
  const what = expectation ?? issue.message;
  return [{ key: dotted, line, message: `\`${dotted}\`${at(line)} must be ${what}, got ${show(got)}` }];
}

// --- schema introspection (zod 4 internals, read only)

interface SchemaInternals {
  _zod: { def: Record<string, unknown> & { type: string } };
}

function unwrap(schema: SchemaInternals | undefined): SchemaInternals | undefined {
  let current = schema;
  for (let guard = 0; current && guard < 20; guard++) {
    const def = current._zod.def;
    if (
      ["default", "prefault", "optional", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)
    ) {
      current = def.innerType as SchemaInternals;
    } else if (def.type === "pipe") {
      current = def.in as SchemaInternals;
    } else return current;
  }
  return current;
}

function schemaAt(path: readonly PropertyKey[]): SchemaInternals | undefined {
  let current = unwrap(MillraceConfigSchema as unknown as SchemaInternals);
  for (const part of path) {
    if (!current) return undefined;
    const def = current._zod.def;
    if (def.type === "object") current = unwrap((def.shape as Record<string, SchemaInternals>)[String(part)]);
    else if (def.type === "record") current = unwrap(def.valueType as SchemaInternals);
    else if (def.type === "array") current = unwrap(def.element as SchemaInternals);
    else return undefined;
  }
  return current;
}

/** The keys a table accepts, for "unknown key" messages. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  if (schema?._zod.def.type !== "object") return [];
  return Object.keys(schema._zod.def.shape as object);
}

function describeExpectation(path: readonly PropertyKey[]): string | undefined {
  const schema = schemaAt(path);
  return schema ? describeSchema(schema) : undefined;
}

function describeSchema(schema: SchemaInternals): string | undefined {
  const def = schema._zod.def;
  const checks = ((def.checks as SchemaInternals[] | undefined) ?? []).map((c) => c._zod.def);
  const bounds = checks
    .map((check) => {
      if (check.check === "greater_than") return `${check.inclusive ? ">=" : ">"} ${check.value}`;
      if (check.check === "less_than") return `${check.inclusive ? "<=" : "<"} ${check.value}`;
      if (check.check === "min_length" && check.minimum === 1) return "non-empty";
      return undefined;
    })
    .filter((text): text is string => text !== undefined);
  const suffix = bounds.length > 0 ? ` ${bounds.join(" and ")}` : "";
  switch (def.type) {
    case "number":
      return def.format === "safeint" ? `an integer${suffix}` : `a number${suffix}`;
    case "int":
      return `an integer${suffix}`;
    case "string":
      return bounds.includes("non-empty") ? "a non-empty string" : "a string";
    case "boolean":
      return "true or false";
    case "enum":
      return `one of ${Object.values(def.entries as object).join(", ")}`;
    case "literal":
      return `${(def.values as unknown[]).map((v) => JSON.stringify(v)).join(" or ")}`;
    case "array": {
      const element = unwrap(def.element as SchemaInternals);
      const inner = element ? describeSchema(element) : undefined;
      return inner ? `a list of ${inner.replace(/^an? /, "")}s` : "a list";
    }
    case "object":
      return "a table";
    case "record":
      return "a table";
    default:
      return undefined;
  }
}
