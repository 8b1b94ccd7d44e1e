import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type BaselineManifest,
  type BaselineManifestEntry,
  BaselineManifestSchema,
  canonicalJson,
  MillraceError,
} from "@millrace/contracts";
import { packagedAssetsRoot } from "./assets-root.js";
import type { WorkspacePaths } from "./paths.js";
import { describeReadProblem, readRegularFile } from "./safe-read.js";

/** A baseline manifest lists a few hundred assets; anything this big is not one. */
const MANIFEST_READ_LIMIT = 8 * 1024 * 1024;

/**
 * The managed baseline: every file of the packaged assets that init deploys into the runtime root,
 * and the manifest (`state/baseline_manifest.json`) recording the hash each was deployed with, so
 * upgrade can tell a local edit from a package update.
 */

/** Package asset files that are not part of the managed baseline: the config is the operator's. */
export const UNMANAGED_ASSET_FILES: readonly string[] = ["millrace.toml"];

export interface PackagedAsset {
  /** Posix path relative to the assets root, and to the runtime root once deployed. */
  readonly relativePath: string;
  readonly assetFamily: string;
  readonly absolutePath: string;
}

function skipped(name: string): boolean {
  return name.startsWith(".") || name === "__pycache__" || name.endsWith(".pyc") || name.endsWith(".pyo");
}

/** Every deployable file under an assets root, sorted by relative path. */
export function listPackagedAssets(assetsRoot: string = packagedAssetsRoot()): PackagedAsset[] {
  const out: PackagedAsset[] = [];
  const walk = (dir: string, parts: string[]) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      if (skipped(entry.name)) continue;
      const full = path.join(dir, entry.name);
      const rel = [...parts, entry.name];
      if (entry.isDirectory()) walk(full, rel);
      else if (entry.isFile()) {
        const relativePath = rel.join("/");
        if (parts.length === 0 && UNMANAGED_ASSET_FILES.includes(relativePath)) continue;
        out.push({
          relativePath,
          assetFamily: parts.length === 0 ? "baseline" : (parts[0] ?? "baseline"),
          absolutePath: full,
        });
      }
    }
  };
  walk(assetsRoot, []);
  return out.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The manifest id: sha256 of the canonical JSON of everything but the id itself. */
export function computeManifestId(manifest: Omit<BaselineManifest, "manifest_id">): string {
  return sha256Hex(
    canonicalJson({
      schema_version: manifest.schema_version,
      seed_package_version: manifest.seed_package_version,
      entries: manifest.entries,
    }),
  );
}

let cachedVersion: string | undefined;
/** This package's version: the seed version recorded in manifests. */
export function workspacePackageVersion(): string {
  cachedVersion ??= (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return cachedVersion;
}

/** The manifest of an assets root as it is now (the "candidate" during an upgrade). */
export function buildManifest(
  assetsRoot: string = packagedAssetsRoot(),
  seedPackageVersion: string = workspacePackageVersion(),
): BaselineManifest {
  const entries: BaselineManifestEntry[] = listPackagedAssets(assetsRoot).map((asset) => ({
    relative_path: asset.relativePath,
    asset_family: asset.assetFamily,
    original_sha256: sha256Hex(readFileSync(asset.absolutePath)),
  }));
  const body = { schema_version: "1.0" as const, seed_package_version: seedPackageVersion, entries };
  return {
    schema_version: "1.0",
    manifest_id: computeManifestId(body),
    seed_package_version: seedPackageVersion,
    entries,
  };
}

export type ManifestRead =
  | { state: "missing" }
  | { state: "invalid"; reason: string }
  | { state: "ok"; manifest: BaselineManifest };

/** Reads the workspace's baseline manifest without throwing. A wrong manifest_id makes it invalid. */
export function readManifest(paths: WorkspacePaths): ManifestRead {
  // The manifest sits in the workspace: a link, a FIFO or a huge file there is refused, not followed.
  const read = readRegularFile(paths.baselineManifest, { maxBytes: MANIFEST_READ_LIMIT, utf8: true });
  if (read.kind === "missing") return { state: "missing" };
  if (read.kind !== "ok") return { state: "invalid", reason: `the file ${describeReadProblem(read)}` };
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (error) {
    return { state: "invalid", reason: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = BaselineManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { state: "invalid", reason: `${issue?.path.join(".") || "root"}: ${issue?.message}` };
  }
  if (computeManifestId(parsed.data) !== parsed.data.manifest_id) {
    return { state: "invalid", reason: "manifest_id does not match the entries" };
  }
  return { state: "ok", manifest: parsed.data };
}

/** Reads the manifest or throws manifest_invalid. */
export function loadManifest(paths: WorkspacePaths): BaselineManifest {
  const read = readManifest(paths);
  if (read.state === "ok") return read.manifest;
  throw new MillraceError(
    "manifest_invalid",
    read.state === "missing"
      ? `the baseline manifest ${paths.baselineManifest} is missing`
      : `the baseline manifest ${paths.baselineManifest} is invalid: ${read.reason}`,
  );
}
