import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { RUNTIME_DIR_NAME, resolveInside, type WorkspacePaths } from "./paths.js";

/**
 * Confinement by real path. A cloned repository can replace any runtime folder or file with a
 * symbolic link (`runs -> /elsewhere`, `historylog.md -> ~/.bashrc`); a check on the path string
 * passes, and every write lands outside. These checks walk the existing components of a path with
 * `lstat` and resolve each link with `realpath`, refusing a path whose links lead out of the
 * workspace root. Links that stay inside the workspace are allowed.
 *
 * Limit: a check and the write after it are two system calls; a process racing to swap a folder for
 * a link between them is not stopped here (see docs/security.md).
 */

export interface PathEscape {
  /** The link (or the lexical path) that leaves the root. */
  readonly link: string;
  /** Where it leads (the link text when the link dangles). */
  readonly resolved: string;
  readonly dangling: boolean;
}

function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function realRootOf(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return path.resolve(root);
  }
}

/**
 * The first component of `target` (an absolute path under `root`) that leads out of `root` by real
 * path, or undefined when every existing component stays inside. Components that do not exist yet
 * are fine: they will be created inside the real folder already checked.
 */
export function findPathEscape(root: string, target: string): PathEscape | undefined {
  const lexicalRoot = path.resolve(root);
  const absolute = path.resolve(target);
  if (!isWithin(lexicalRoot, absolute)) return { link: absolute, resolved: absolute, dangling: false };
  if (absolute !== lexicalRoot && resolvesInside(lexicalRoot, absolute)) return undefined;
  return walkForEscape(lexicalRoot, absolute, realRootOf(lexicalRoot));
}

/** Real paths of the roots checked by this process (a workspace root does not move under a daemon). */
const realRoots = new Map<string, string>();

function cachedRealRoot(lexicalRoot: string): string {
  let real = realRoots.get(lexicalRoot);
  if (real === undefined) {
    real = realRootOf(lexicalRoot);
    if (realRoots.size >= 16) realRoots.clear();
    realRoots.set(lexicalRoot, real);
  }
  return real;
}

/**
 * Folders already found inside their root by real path, with the device and inode they had. A
 * folder that still stats (links followed) to the same inode is the same folder, so one `stat`
 * re-checks it instead of a walk. A folder moved elsewhere while a process holds this cache, and
 * linked back in, would pass: that is a process racing the runtime, outside what these checks stop
 * (see the limit above and docs/security.md); links present when the check first runs are caught.
 */
const confirmedFolders = new Map<string, { dev: number; ino: number; root: string }>();
const MAX_CONFIRMED = 1024;

/**
 * The common case in two system calls instead of one `lstat` per component: the target's folder is
 * a folder confirmed inside the root earlier (or its real path lies inside the root's real path
 * now), and the target itself is not a link, or a link whose real path lies inside. Any other
 * answer is not trusted: the component walk decides and names the culprit.
 */
function resolvesInside(lexicalRoot: string, absolute: string): boolean {
  const realRoot = cachedRealRoot(lexicalRoot);
  const folder = path.dirname(absolute);
  try {
    // `throwIfNoEntry: false`: a missing path answers undefined instead of building an exception
    // (about 10 µs each); most runtime writes go to fresh names, so this is the common case.
    const stat = statSync(folder, { throwIfNoEntry: false });
    if (stat === undefined) return false;
    const known = confirmedFolders.get(folder);
    if (known === undefined || known.dev !== stat.dev || known.ino !== stat.ino || known.root !== realRoot) {
      if (!isWithin(realRoot, realpathSync.native(folder))) return false;
      if (confirmedFolders.size >= MAX_CONFIRMED) confirmedFolders.clear();
      confirmedFolders.set(folder, { dev: stat.dev, ino: stat.ino, root: realRoot });
    }
    const entry = lstatSync(absolute, { throwIfNoEntry: false });
    // Missing: it will be created inside the real folder just checked. (Other errors throw: the
    // walk below decides.)
    if (entry === undefined) return true;
    return !entry.isSymbolicLink() || isWithin(realRoot, realpathSync.native(absolute));
  } catch {
    return false;
  }
}

function walkForEscape(lexicalRoot: string, absolute: string, realRoot: string): PathEscape | undefined {
  let current = lexicalRoot;
  for (const segment of path.relative(lexicalRoot, absolute).split(path.sep)) {
    if (segment === "") continue;
    current = path.join(current, segment);
    let entry: ReturnType<typeof lstatSync>;
    try {
      entry = lstatSync(current, { throwIfNoEntry: false });
    } catch {
      return undefined; // not reachable from here on (ENOTDIR and the like)
    }
    if (entry === undefined) return undefined; // missing from here on
    if (!entry.isSymbolicLink()) continue;
    let real: string;
    try {
      real = realpathSync.native(current);
    } catch {
      // A dangling link: writing through it would create its target, wherever that is.
      let text = "";
      try {
        text = readlinkSync(current);
      } catch {
        // vanished
      }
      return { link: current, resolved: text, dangling: true };
    }
    if (!isWithin(realRoot, real)) return { link: current, resolved: real, dangling: false };
  }
  return undefined;
}

function escapeError(root: string, target: string, escaped: PathEscape): MillraceError {
  const shown = (file: string) => (isWithin(root, file) ? path.relative(root, file) || "." : file);
  const how = escaped.dangling
    ? `is a dangling symbolic link (to ${escaped.resolved || "?"})`
    : escaped.link === path.resolve(target) && !isWithin(root, escaped.link)
      ? "is outside the workspace"
      : `is a symbolic link to ${escaped.resolved}, outside the workspace`;
  return new MillraceError(
    "workspace_path_escapes",
    `refusing ${shown(target)}: ${shown(escaped.link)} ${how}`,
    { details: { root, target, link: escaped.link, resolved: escaped.resolved, dangling: escaped.dangling } },
  );
}

/**
 * Throws `workspace_path_escapes` when a runtime-owned path (a runtime folder, a log, a state file,
 * a run folder, a scripted-runner base) resolves outside the workspace root.
 */
export function assertInsideWorkspace(workspace: WorkspacePaths | string, target: string): void {
  const root = typeof workspace === "string" ? path.resolve(workspace) : workspace.root;
  const escaped = findPathEscape(root, target);
  if (escaped) throw escapeError(root, target, escaped);
}

/**
 * `resolveInside` checked by real path: resolves `relative` against `base`, refusing absolute paths,
 * `..` and NUL (undefined), and any existing link on the way that leads out of `base`'s real path.
 */
export function resolveInsideReal(base: string, relative: string): string | undefined {
  const resolved = resolveInside(base, relative);
  if (resolved === undefined) return undefined;
  return findPathEscape(base, resolved) === undefined ? resolved : undefined;
}

/**
 * The workspace root a runtime-owned path belongs to: the folder holding its nearest
 * `millrace-agents` ancestor. Undefined for paths outside any runtime folder.
 */
export function runtimeWorkspaceRootOf(file: string): string | undefined {
  const parts = path.resolve(file).split(path.sep);
  const at = parts.lastIndexOf(RUNTIME_DIR_NAME);
  if (at <= 0 || at === parts.length - 1) return undefined;
  return parts.slice(0, at).join(path.sep) || path.sep;
}

/**
 * Guard used by the atomic writers: a file under `<root>/millrace-agents/` must not be written
 * through a link leaving `<root>`. Other paths are the caller's to check.
 */
export function assertRuntimeWriteConfined(file: string): void {
  const root = runtimeWorkspaceRootOf(file);
  if (root !== undefined) assertInsideWorkspace(root, file);
}
