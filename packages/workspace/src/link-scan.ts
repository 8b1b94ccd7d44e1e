import { lstatSync, readdirSync, type Stats } from "node:fs";
import path from "node:path";
import { compareCodeUnits } from "@millrace/contracts";
import { findPathEscape } from "./confine.js";
import { initDirectories, QUEUE_STATES, type WorkspacePaths } from "./paths.js";

/**
 * The scan `doctor` runs for a hostile workspace: every runtime-owned path whose links lead out of
 * the workspace, and every entry of a watched folder that the runtime would refuse to read (a link,
 * a folder, a FIFO, a device). Never writes, never opens an entry.
 */

export type LinkFindingKind = "escaping_link" | "dangling_link" | "not_regular";

export interface LinkFinding {
  readonly kind: LinkFindingKind;
  /** The link or the entry (absolute). */
  readonly path: string;
  /** For links: where it leads. For entries: their type. */
  readonly detail: string;
}

function runtimeOwnedPaths(paths: WorkspacePaths): string[] {
  return [
    ...initDirectories(paths),
    paths.ideasInbox,
    paths.quarantine,
    paths.historylog,
    paths.outline,
    paths.configFile,
    paths.runtimeEvents,
    paths.learningEvents,
    paths.snapshot,
    paths.recoveryCounters,
    paths.lockFile,
    paths.usageGovernanceState,
    paths.usageGovernanceLedger,
    ...Object.values(paths.statusFiles),
  ];
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

function typeOf(stat: Stats): string {
  if (stat.isSymbolicLink()) return "symbolic link";
  if (stat.isDirectory()) return "directory";
  if (stat.isFIFO()) return "FIFO";
  if (stat.isSocket()) return "socket";
  return "device";
}

export interface LinkScanOptions {
  /** Also look at each entry of the run and queue folders (default true); the folders themselves always. */
  readonly entries?: boolean;
}

export function findEscapingLinks(paths: WorkspacePaths, options: LinkScanOptions = {}): LinkFinding[] {
  const entries = options.entries ?? true;
  const findings = new Map<string, LinkFinding>();
  const checkEscape = (target: string) => {
    const escaped = findPathEscape(paths.root, target);
    if (!escaped || findings.has(escaped.link)) return;
    findings.set(escaped.link, {
      kind: escaped.dangling ? "dangling_link" : "escaping_link",
      path: escaped.link,
      detail: escaped.resolved,
    });
  };
  for (const owned of runtimeOwnedPaths(paths)) checkEscape(owned);
  // One level into the folders whose entries the runtime writes into or reads: run folders and
  // queue documents may each be links of their own. Each folder itself was checked above, so only
  // an entry that is itself a link can lead out: one lstat per entry, a real-path walk per link.
  const queueDirs = Object.values(paths.queues).flatMap((folders) => QUEUE_STATES.map((s) => folders[s]));
  const stats = new Map<string, Stats | undefined>();
  for (const dir of entries ? [paths.runs, ...queueDirs] : []) {
    if (findings.has(dir)) continue;
    for (const name of list(dir)) {
      const entry = path.join(dir, name);
      const stat = lstatOrUndefined(entry);
      stats.set(entry, stat);
      if (stat?.isSymbolicLink()) checkEscape(entry);
    }
  }
  const watched: [string, (name: string) => boolean][] = [
    [paths.mailboxIncoming, () => true],
    [paths.ideasInbox, () => true],
    ...(entries ? queueDirs : []).map((dir): [string, (name: string) => boolean] => [
      dir,
      (name) => name.endsWith(".md"),
    ]),
  ];
  for (const [dir, relevant] of watched) {
    if (findings.has(dir) || findPathEscape(paths.root, dir)) continue;
    for (const name of list(dir)) {
      const entry = path.join(dir, name);
      const stat = stats.has(entry) ? stats.get(entry) : lstatOrUndefined(entry);
      if (!stat || stat.isFile() || !relevant(name)) continue;
      if (stat.isSymbolicLink()) checkEscape(entry);
      if (!findings.has(entry))
        findings.set(entry, { kind: "not_regular", path: entry, detail: typeOf(stat) });
    }
  }
  return [...findings.values()].sort((a, b) => compareCodeUnits(a.path, b.path));
}
