import { lstatSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type BaselineManifest,
  MillraceError,
  typedJson,
  UPGRADE_DISPOSITIONS,
  type UpgradeDisposition,
  type UpgradeEntry,
  type UpgradeReport,
} from "@millrace/contracts";
import { packagedAssetsRoot } from "./assets-root.js";
import { writeFileAtomicSync } from "./atomic-write.js";
import { requireInitialized } from "./init.js";
import { insideAnyFolder, installedSkillFolders } from "./installed-skills.js";
import { buildManifest, computeManifestId, loadManifest } from "./manifest.js";
import { type WorkspacePaths, workspacePaths } from "./paths.js";
import { sha256OfRegularFile } from "./safe-read.js";

/**
 * Upgrade of the managed baseline: compares, per file, the hash init deployed (the workspace's
 * manifest), the hash in the installed package (the candidate) and the hash on disk, and decides
 * what may be written without losing a local edit. Queues, state and runs are never touched.
 */

export interface UpgradeOptions {
  /** Runtime-root-relative paths removed from the package that the operator keeps as local files. */
  localizeRemoved?: readonly string[];
  /** Where the installed package's baseline lives; tests point this at a temp copy. */
  assetsRoot?: string;
}

export interface ApplyUpgradeOptions extends UpgradeOptions {
  /** Take the packaged version of conflicting and locally modified files. */
  force?: boolean;
}

interface Plan {
  paths: WorkspacePaths;
  baseline: BaselineManifest;
  candidate: BaselineManifest;
  entries: UpgradeEntry[];
  localized: Set<string>;
  assetsRoot: string;
}

function currentHash(file: string): { kind: "missing" } | { kind: "other" } | { kind: "file"; sha: string } {
  let stat: import("node:fs").Stats;
  try {
    stat = lstatSync(file);
  } catch {
    return { kind: "missing" };
  }
  if (!stat.isFile()) return { kind: "other" };
  // Hashed in chunks without following a link: a workspace file may be huge or swapped meanwhile.
  const sha = sha256OfRegularFile(file);
  return sha === undefined ? { kind: "other" } : { kind: "file", sha };
}

function validateLocalized(
  list: readonly string[],
  baseline: BaselineManifest,
  candidate: BaselineManifest,
): Set<string> {
  const original = new Set(baseline.entries.map((entry) => entry.relative_path));
  const current = new Set(candidate.entries.map((entry) => entry.relative_path));
  const out = new Set<string>();
  for (const raw of list) {
    const value = raw.trim().replaceAll("\\", "/").replace(/^\.\//, "");
    if (
      value === "" ||
      path.posix.isAbsolute(value) ||
      path.isAbsolute(raw) ||
      value.split("/").includes("..")
    ) {
      throw new MillraceError(
        "upgrade_localize_invalid",
        `--localize-removed ${JSON.stringify(raw)} must be a relative path inside millrace-agents/ without '..'`,
      );
    }
    if (!original.has(value) || current.has(value)) {
      throw new MillraceError(
        "upgrade_localize_invalid",
        `--localize-removed ${value} is not a file the package removed${original.has(value) ? " (the package still ships it)" : " (the baseline manifest does not track it)"}`,
      );
    }
    out.add(value);
  }
  return out;
}

function plan(root: WorkspacePaths | string, options: UpgradeOptions): Plan {
  const paths = requireInitialized(typeof root === "string" ? workspacePaths(root) : root);
  const assetsRoot = options.assetsRoot ?? packagedAssetsRoot();
  const baseline = loadManifest(paths);
  // Files inside installed skills are the operator's: out of the plan and out of the next manifest.
  const installed = installedSkillFolders(paths);
  const shipped = buildManifest(assetsRoot);
  const kept = shipped.entries.filter((entry) => !insideAnyFolder(entry.relative_path, installed));
  const candidate = kept.length === shipped.entries.length ? shipped : withEntries(shipped, kept);
  const localized = validateLocalized(options.localizeRemoved ?? [], baseline, candidate);
  const original = new Map(baseline.entries.map((entry) => [entry.relative_path, entry.original_sha256]));
  const next = new Map(candidate.entries.map((entry) => [entry.relative_path, entry.original_sha256]));
  const all = [...new Set([...original.keys(), ...next.keys()])]
    .filter((relativePath) => !insideAnyFolder(relativePath, installed))
    .sort();
  const entries = all.map((relativePath): UpgradeEntry => {
    const disposition = classify(
      currentHash(path.join(paths.runtimeRoot, ...relativePath.split("/"))),
      original.get(relativePath),
      next.get(relativePath),
      localized.has(relativePath),
    );
    return { relative_path: relativePath, disposition };
  });
  return { paths, baseline, candidate, entries, localized, assetsRoot };
}

function withEntries(manifest: BaselineManifest, entries: BaselineManifest["entries"]): BaselineManifest {
  const body = {
    schema_version: "1.0" as const,
    seed_package_version: manifest.seed_package_version,
    entries,
  };
  return { ...body, manifest_id: computeManifestId(body) };
}

/** The disposition table, in the order its rows are evaluated. */
export function classify(
  current: ReturnType<typeof currentHash>,
  original: string | undefined,
  candidate: string | undefined,
  localizeRemoved: boolean,
): UpgradeDisposition {
  if (current.kind === "other") return "conflict";
  const sha = current.kind === "file" ? current.sha : undefined;
  if (original === undefined) {
    if (sha === undefined) return "missing";
    return sha === candidate ? "already_converged" : "conflict";
  }
  if (candidate === undefined) return localizeRemoved ? "localized_removed" : "conflict";
  if (sha === undefined) return "missing";
  if (sha === original && original === candidate) return "unchanged";
  if (sha === original) return "safe_package_update";
  if (candidate === original) return "local_only_modification";
  if (sha === candidate) return "already_converged";
  return "conflict";
}

function countsOf(entries: readonly UpgradeEntry[]): Record<UpgradeDisposition, number> {
  const counts = Object.fromEntries(UPGRADE_DISPOSITIONS.map((d) => [d, 0])) as Record<
    UpgradeDisposition,
    number
  >;
  for (const entry of entries) counts[entry.disposition]++;
  return counts;
}

/** What an upgrade would do, per file. Never writes. */
export function previewUpgrade(root: WorkspacePaths | string, options: UpgradeOptions = {}): UpgradeReport {
  const { baseline, candidate, entries } = plan(root, options);
  return {
    applied: false,
    forced: false,
    baseline_manifest_id: baseline.manifest_id,
    candidate_manifest_id: candidate.manifest_id,
    result_manifest_id: null,
    counts: countsOf(entries),
    entries,
    written: [],
  };
}

/**
 * Applies an upgrade: writes the packaged bytes for `safe_package_update` and `missing` files (with
 * `force`, also for `conflict` and `local_only_modification` files that the package still ships),
 * then writes the new manifest atomically. Without `force`, any conflict refuses the whole upgrade
 * (upgrade_conflict) before anything is written.
 */
export function applyUpgrade(
  root: WorkspacePaths | string,
  options: ApplyUpgradeOptions = {},
): UpgradeReport {
  const force = options.force ?? false;
  const planned = plan(root, options);
  const { paths, baseline, candidate, entries, assetsRoot } = planned;
  const conflicts = entries.filter((entry) => entry.disposition === "conflict");
  if (conflicts.length > 0 && !force) {
    const names = conflicts.map((entry) => entry.relative_path);
    throw new MillraceError(
      "upgrade_conflict",
      `upgrade refused: ${names.length} file(s) changed both locally and in the package: ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}`,
      {
        hint: "Keep your edits by copying them aside, then re-run with --force to take the packaged versions (files the package removed can be kept with --localize-removed <path>).",
        details: { conflicts: names },
      },
    );
  }
  const shipped = new Set(candidate.entries.map((entry) => entry.relative_path));
  const toWrite = entries.filter(
    (entry) =>
      shipped.has(entry.relative_path) &&
      (entry.disposition === "safe_package_update" ||
        entry.disposition === "missing" ||
        (force && (entry.disposition === "conflict" || entry.disposition === "local_only_modification"))),
  );
  const written: string[] = [];
  for (const entry of toWrite) {
    const destination = path.join(paths.runtimeRoot, ...entry.relative_path.split("/"));
    const bytes = readFileSync(path.join(assetsRoot, ...entry.relative_path.split("/")));
    try {
      if (force && currentHash(destination).kind === "other") {
        throw new MillraceError(
          "upgrade_conflict",
          `${destination} is not a regular file; move it away first`,
        );
      }
      mkdirSync(path.dirname(destination), { recursive: true });
      writeFileAtomicSync(destination, bytes);
    } catch (error) {
      if (MillraceError.isInstance(error)) throw error;
      throw new MillraceError(
        "workspace_io_failed",
        `cannot write ${destination}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    written.push(entry.relative_path);
  }
  // The new manifest is the candidate's. A locally kept file (local_only_modification) has
  // candidate hash == original hash, so the next upgrade still sees the edit as local.
  const resultEntries = candidate.entries;
  const body = {
    schema_version: "1.0" as const,
    seed_package_version: candidate.seed_package_version,
    entries: resultEntries,
  };
  const result: BaselineManifest = { ...body, manifest_id: computeManifestId(body) };
  writeFileAtomicSync(paths.baselineManifest, typedJson(result));
  return {
    applied: true,
    forced: force,
    baseline_manifest_id: baseline.manifest_id,
    candidate_manifest_id: candidate.manifest_id,
    result_manifest_id: result.manifest_id,
    counts: countsOf(entries),
    entries,
    written,
  };
}

/**
 * Reads a `--localize-removed-from` list: one runtime-root-relative path per line; blank lines and
 * `#` comments are ignored.
 */
export function readLocalizeRemovedFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new MillraceError(
      "usage_invalid_argument",
      `cannot read --localize-removed-from ${file}: ${(error as Error).message}`,
      {
        hint: "Pass a text file with one path per line.",
      },
    );
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line !== "");
}
