import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  formatTimestamp,
  MillraceError,
  type ScriptAction,
  type ScriptFile,
  ScriptFileSchema,
  STRUCTURED_RESULT_FILE_NAME,
  type StageRunRequest,
  stageLegality,
} from "@millrace/contracts";
import {
  appendFileDurableSync,
  findPathEscape,
  resolveInsideReal,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from "@millrace/workspace";
import { countScriptAttempt, nextScriptSeq, scriptStatePath } from "./state.js";

/** Placeholders a template may use. */
export const SCRIPT_TEMPLATE_NAMES = [
  "request_id",
  "run_id",
  "stage",
  "plane",
  "node_id",
  "work_item_id",
  "work_item_kind",
  "work_item_path",
  "run_dir",
  "workspace_root",
  "runtime_root",
  "attempt",
  "seq",
  "now",
  "date",
] as const;
const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

function templatesOf(action: ScriptAction): string[] {
  switch (action.type) {
    case "print":
    case "stderr":
      return [action.text];
    case "write_file":
      return [action.path, action.template];
    case "append_historylog":
      return [action.template];
    case "write_result_json":
      return [...action.summary_artifact_paths, ...(action.notes ?? [])];
    default:
      return [];
  }
}

const scriptCache = new Map<string, { mtimeMs: number; size: number; script: ScriptFile }>();

/** Reads and validates a script file; errors name the file and the offending key. */
export function loadScriptFile(file: string): ScriptFile {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch {
    throw new MillraceError("scripted_script_invalid", `scripted runner script ${file} does not exist`);
  }
  const cached = scriptCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.script;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new MillraceError(
      "scripted_script_invalid",
      `scripted runner script ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const result = ScriptFileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(root)";
    throw new MillraceError(
      "scripted_script_invalid",
      `scripted runner script ${file}: ${where}: ${issue?.message}`,
    );
  }
  result.data.rules.forEach((rule, ruleIndex) => {
    rule.actions.forEach((action, actionIndex) => {
      for (const template of templatesOf(action)) {
        for (const match of template.matchAll(PLACEHOLDER)) {
          const name = match[1] as string;
          if (!(SCRIPT_TEMPLATE_NAMES as readonly string[]).includes(name)) {
            throw new MillraceError(
              "scripted_script_invalid",
              `scripted runner script ${file}: rules.${ruleIndex}.actions.${actionIndex}: unknown placeholder {{${name}}}`,
              { hint: `Known placeholders: ${SCRIPT_TEMPLATE_NAMES.join(", ")}.` },
            );
          }
        }
      }
    });
  });
  scriptCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, script: result.data });
  return result.data;
}

export interface ScriptOutput {
  stdout(chunk: string | Buffer): void;
  stderr(chunk: string): void;
}

export interface ScriptEnvironment {
  readonly request: StageRunRequest;
  readonly workspaceRoot: string;
  readonly runtimeRoot: string;
  /** The stage's clock reading, fixed for the whole run so both modes render the same text. */
  readonly now: Date;
  readonly output: ScriptOutput;
  /** Resolves when the stage must stop (deadline or interruption); `hang` and `sleep` wait on it. */
  readonly stopped: Promise<void>;
}

export interface ScriptRunOutcome {
  readonly exitCode: number;
  /** Whether the run stopped at a `hang` or an unfinished `sleep` because the stage was stopped. */
  readonly stoppedEarly: boolean;
  readonly rule: number | null;
  readonly attempt: number;
}

/** Blueprint kinds share a runtime stage (manager), so attempts are counted per stage kind. */
function attemptKey(request: StageRunRequest): string {
  return [
    request.stage_kind_id,
    request.active_work_item_kind ?? "-",
    request.active_work_item_id ?? request.closure_target_root_spec_id ?? "-",
  ].join("|");
}

/** Deterministic junk: non-UTF-8 bytes, a broken JSON line and a fake marker-like line. */
export function garbageBytes(count: number): Buffer {
  const bytes = Buffer.alloc(count);
  for (let index = 0; index < count; index += 1) bytes[index] = (index * 131 + 7) % 256;
  return Buffer.concat([
    Buffer.from('{"type":"item.completed","item":{'),
    bytes,
    Buffer.from("\n## not a marker\n"),
  ]);
}

// Over 80 lines: one loop over the script's actions, a few lines per action kind; both runner modes
// run this one body, which is what keeps them identical.
/**
 * Performs the script for one request. Both the in-process runner and the subprocess entry call
 * this, so the two modes behave identically: same output, same files, same counters.
 */
export async function performScript(script: ScriptFile, env: ScriptEnvironment): Promise<ScriptRunOutcome> {
  const { request, output } = env;
  const statePath = scriptStatePath(env.runtimeRoot);
  mkdirSync(path.dirname(statePath), { recursive: true });
  const attempt = countScriptAttempt(statePath, attemptKey(request));

  const ruleIndex = script.rules.findIndex(
    (rule) =>
      (rule.stage === "*" || rule.stage === request.stage || rule.stage === request.stage_kind_id) &&
      (rule.work_item_id === undefined || rule.work_item_id === request.active_work_item_id) &&
      (rule.work_item_kind === undefined || rule.work_item_kind === request.active_work_item_kind) &&
      (rule.attempt === undefined || rule.attempt === attempt),
  );
  let actions: readonly ScriptAction[];
  if (ruleIndex >= 0) {
    actions = script.rules[ruleIndex]?.actions ?? [];
  } else if (script.unmatched === "first_legal_marker") {
    const first =
      request.legal_terminal_markers[0]?.replace(/^###\s+/, "") ??
      stageLegality(request.stage_kind_id)?.stageKindId;
    actions = first ? [{ type: "marker", token: first }] : [];
  } else if (script.unmatched === "fail") {
    output.stderr(`no scripted rule matches stage ${request.stage} (attempt ${attempt})\n`);
    return { exitCode: 1, stoppedEarly: false, rule: null, attempt };
  } else {
    actions = [];
  }

  let stopped = false;
  void env.stopped.then(() => {
    stopped = true;
  });
  const values: Record<string, string> = {
    request_id: request.request_id,
    run_id: request.run_id,
    stage: request.stage,
    plane: request.plane,
    node_id: request.node_id,
    work_item_id: request.active_work_item_id ?? request.closure_target_root_spec_id ?? "",
    work_item_kind:
      request.active_work_item_kind ?? (request.request_kind === "closure_target" ? "spec" : ""),
    work_item_path: request.active_work_item_path ?? request.closure_target_path ?? "",
    run_dir: request.run_dir,
    workspace_root: env.workspaceRoot,
    runtime_root: env.runtimeRoot,
    attempt: String(attempt),
    now: formatTimestamp(env.now),
    date: formatTimestamp(env.now).slice(0, 10),
  };
  const render = (templates: readonly string[]): string[] => {
    let seq: string | undefined;
    return templates.map((template) =>
      template.replace(PLACEHOLDER, (_whole, name: string) => {
        if (name === "seq") {
          if (seq === undefined) seq = String(nextScriptSeq(statePath));
          return seq;
        }
        return values[name] ?? "";
      }),
    );
  };
  const bases: Record<string, string> = {
    workspace: env.workspaceRoot,
    runtime: env.runtimeRoot,
    run_dir: request.run_dir,
  };

  for (const action of actions) {
    if (stopped) return { exitCode: 124, stoppedEarly: true, rule: ruleIndex, attempt };
    switch (action.type) {
      case "marker":
        output.stdout(`### ${action.token}\n`);
        break;
      case "print": {
        const [text = ""] = render([action.text]);
        output.stdout(text.endsWith("\n") ? text : `${text}\n`);
        break;
      }
      case "stderr": {
        const [text = ""] = render([action.text]);
        output.stderr(text.endsWith("\n") ? text : `${text}\n`);
        break;
      }
      case "write_file": {
        const [relative = "", content = ""] = render([action.path, action.template]);
        const base = bases[action.base] as string;
        // By real path, and the base itself must stay in the workspace: `wslink/x` with
        // `wslink -> /outside`, or a run folder linked out, is refused like `../x`.
        const target = findPathEscape(env.workspaceRoot, base)
          ? undefined
          : resolveInsideReal(base, relative);
        if (target === undefined) {
          output.stderr(`scripted write_file refused: ${JSON.stringify(relative)} leaves ${action.base}\n`);
          return { exitCode: 2, stoppedEarly: false, rule: ruleIndex, attempt };
        }
        if (!action.overwrite && existsSync(target)) break;
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileAtomicSync(target, content);
        break;
      }
      case "append_historylog": {
        const [entry = ""] = render([action.template]);
        // appendFileDurableSync refuses a historylog.md that links out of the workspace.
        appendFileDurableSync(
          path.join(env.runtimeRoot, "historylog.md"),
          entry.endsWith("\n") ? entry : `${entry}\n`,
          { durable: false },
        );
        break;
      }
      case "sleep":
        await Promise.race([new Promise((resolve) => setTimeout(resolve, action.ms)), env.stopped]);
        break;
      case "exit":
        return { exitCode: action.code, stoppedEarly: false, rule: ruleIndex, attempt };
      case "hang":
        await env.stopped;
        return { exitCode: 124, stoppedEarly: true, rule: ruleIndex, attempt };
      case "garbage":
        output.stdout(garbageBytes(action.bytes));
        break;
      case "write_result_json": {
        const rendered = render([...action.summary_artifact_paths, ...(action.notes ?? [])]);
        const summary = rendered.slice(0, action.summary_artifact_paths.length);
        const notes = action.notes ? rendered.slice(action.summary_artifact_paths.length) : undefined;
        writeJsonAtomicSync(path.join(request.run_dir, STRUCTURED_RESULT_FILE_NAME), {
          stage: request.stage,
          terminal_result: action.terminal_result,
          ...(action.result_class ? { result_class: action.result_class } : {}),
          summary_artifact_paths: summary,
          ...(notes ? { notes } : {}),
          metadata: action.metadata,
        });
        break;
      }
    }
  }
  return { exitCode: stopped ? 124 : 0, stoppedEarly: stopped, rule: ruleIndex, attempt };
}
