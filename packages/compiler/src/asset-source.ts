import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { packagedAssetsRoot, RUNTIME_DIR_NAME, resolveInside, workspacePaths } from "@millrace/workspace";

/** Where an asset came from: the workspace's own copy wins over the packaged baseline. */
export type AssetOrigin = "workspace" | "packaged";

export interface AssetFile {
  /** Path relative to the runtime root / assets root, posix separators (`graphs/execution/standard.json`). */
  readonly rel: string;
  readonly origin: AssetOrigin;
  readonly absPath: string;
  /** `millrace-agents/<rel>` or `packaged:<rel>`: how diagnostics and the plan name the file. */
  readonly displayPath: string;
}

export const PACKAGED_PREFIX = "packaged:";
const WORKSPACE_PREFIX = `${RUNTIME_DIR_NAME}/`;

/** The relative asset path behind a display path (`millrace-agents/x` or `packaged:x`). */
export function relFromDisplayPath(displayPath: string): string | undefined {
  if (displayPath.startsWith(PACKAGED_PREFIX)) return displayPath.slice(PACKAGED_PREFIX.length);
  if (displayPath.startsWith(WORKSPACE_PREFIX)) return displayPath.slice(WORKSPACE_PREFIX.length);
  return undefined;
}

/** Reads a file, or undefined when it is absent or not a file (no separate stat: one syscall path). */
function tryRead(abs: string): string | undefined {
  try {
    return readFileSync(abs, "utf8");
  } catch {
    return undefined;
  }
}

function walk(dir: string, rel: string, out: Map<string, string>, extension: string): void {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const childRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(abs, childRel, out, extension);
    else if (entry.isFile() && entry.name.endsWith(extension)) out.set(childRel, abs);
  }
}

/**
 * The overlay of the workspace's runtime root over the packaged baseline. Reads and hashes are
 * cached for the lifetime of one instance (one compile), never across processes.
 */
export class AssetSource {
  private readonly texts = new Map<string, string>();
  private readonly hashes = new Map<string, string>();
  private readonly located = new Map<string, AssetFile | null>();

  constructor(
    readonly runtimeRoot: string,
    readonly packagedRoot: string,
  ) {}

  /** Finds a file by relative path: the workspace copy first, then the packaged one. */
  locate(rel: string): AssetFile | undefined {
    const cached = this.located.get(rel);
    if (cached !== undefined) return cached ?? undefined;
    // Located files are read right away: the compile hashes every one of them anyway.
    let found: AssetFile | null = null;
    const ws = resolveInside(this.runtimeRoot, rel);
    const wsText = ws ? tryRead(ws) : undefined;
    if (ws && wsText !== undefined) {
      found = { rel, origin: "workspace", absPath: ws, displayPath: `${WORKSPACE_PREFIX}${rel}` };
      this.texts.set(ws, wsText);
    } else {
      const pkg = resolveInside(this.packagedRoot, rel);
      const pkgText = pkg ? tryRead(pkg) : undefined;
      if (pkg && pkgText !== undefined) {
        found = { rel, origin: "packaged", absPath: pkg, displayPath: `${PACKAGED_PREFIX}${rel}` };
        this.texts.set(pkg, pkgText);
      }
    }
    this.located.set(rel, found);
    return found ?? undefined;
  }

  /** Every file under a folder (recursive) with the extension, overlay applied, sorted by path. */
  list(folderRel: string, extension = ".json"): AssetFile[] {
    const packaged = new Map<string, string>();
    const workspace = new Map<string, string>();
    const pkgDir = resolveInside(this.packagedRoot, folderRel);
    const wsDir = resolveInside(this.runtimeRoot, folderRel);
    if (pkgDir) walk(pkgDir, folderRel, packaged, extension);
    if (wsDir) walk(wsDir, folderRel, workspace, extension);
    const rels = [...new Set([...packaged.keys(), ...workspace.keys()])].sort();
    return rels.map((rel) => {
      const ws = workspace.get(rel);
      const file: AssetFile = ws
        ? { rel, origin: "workspace", absPath: ws, displayPath: `${WORKSPACE_PREFIX}${rel}` }
        : { rel, origin: "packaged", absPath: packaged.get(rel)!, displayPath: `${PACKAGED_PREFIX}${rel}` };
      this.located.set(rel, file);
      return file;
    });
  }

  read(file: AssetFile): string {
    let text = this.texts.get(file.absPath);
    if (text === undefined) {
      text = readFileSync(file.absPath, "utf8");
      this.texts.set(file.absPath, text);
    }
    return text;
  }

  sha256(file: AssetFile): string {
    let hash = this.hashes.get(file.absPath);
    if (hash === undefined) {
      const data = this.texts.has(file.absPath) ? this.texts.get(file.absPath)! : readFileSync(file.absPath);
      hash = createHash("sha256").update(data).digest("hex");
      this.hashes.set(file.absPath, hash);
    }
    return hash;
  }
}

/** The overlay for a workspace: its runtime root over the packaged baseline (or `packagedRoot`). */
export function assetSourceFor(workspaceRoot: string, packagedRoot?: string): AssetSource {
  return new AssetSource(workspacePaths(workspaceRoot).runtimeRoot, packagedRoot ?? packagedAssetsRoot());
}
