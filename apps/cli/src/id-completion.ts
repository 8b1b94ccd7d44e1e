import { readdirSync } from "node:fs";
import path from "node:path";
import type { CliIO } from "./io.js";

/** Actions whose positional is a run id, and queue actions whose positional is a work item id. */
const RUN_ACTIONS = new Set(["show", "tail", "trace"]);
const QUEUE_ID_ACTIONS = new Set(["show", "cancel", "supersede", "retarget", "resolve", "archive"]);

function workspaceFlag(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if ((word === "-w" || word === "--workspace") && i + 1 < words.length - 1) return words[i + 1];
    if (word.startsWith("--workspace=")) return word.slice("--workspace=".length);
  }
  return undefined;
}

function runIds(root: string, current: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, "millrace-agents", "runs")).filter((name) => name.startsWith("run-"));
  } catch {
    names = [];
  }
  // Offer ids in the spelling being typed: `run-…` (or nothing yet) gets full ids, bare hex gets hex.
  const bare = current !== "" && !"run-".startsWith(current) && !current.startsWith("run-");
  const candidates = ["latest", ...names.sort().map((name) => (bare ? name.slice(4) : name))];
  return candidates.filter((candidate) => candidate.startsWith(current));
}

async function queueIds(root: string, current: string): Promise<string[]> {
  const { workspacePaths } = await import("@millrace/workspace");
  const { openQueueStore } = await import("@millrace/queue-store");
  const store = openQueueStore(workspacePaths(root));
  try {
    const ids = store.listing().items.map((item) => item.id);
    return [...new Set(ids)].filter((id) => id.startsWith(current));
  } finally {
    store.close();
  }
}

/**
 * Dynamic completion of ids, asked by the shell scripts as `millrace --get-yargs-completions
 * millrace <words…>`: run ids (and `latest`) after `runs show|tail|trace`, work item ids after
 * `queue show|cancel|…`. Undefined for every other position, which yargs answers from the
 * registered commands and options. Never fails: a folder that is not a workspace completes nothing.
 */
export async function completeIds(argv: readonly string[], io: CliIO): Promise<string[] | undefined> {
  const at = argv.indexOf("--get-yargs-completions");
  const words = argv.slice(at + 2);
  const positionals = words.filter(
    (word, index) => !word.startsWith("-") && !["-w", "--workspace"].includes(words[index - 1] ?? ""),
  );
  const [command, action, current, extra] = positionals;
  if (current === undefined && words[words.length - 1] !== "") return undefined;
  if (extra !== undefined || action === undefined) return undefined;
  const wantsRun = command === "runs" && RUN_ACTIONS.has(action);
  const wantsQueue = command === "queue" && QUEUE_ID_ACTIONS.has(action);
  if (!wantsRun && !wantsQueue) return undefined;
  const given = workspaceFlag(words);
  let root: string | undefined;
  if (given !== undefined) root = path.resolve(io.cwd, given);
  else root = (await import("@millrace/workspace")).findWorkspaceRoot(io.cwd);
  if (root === undefined) return [];
  try {
    return wantsRun ? runIds(root, current ?? "") : await queueIds(root, current ?? "");
  } catch {
    return [];
  }
}
