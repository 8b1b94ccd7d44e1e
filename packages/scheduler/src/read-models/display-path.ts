import path from "node:path";

/**
 * How read models show a path: workspace-relative (posix) when it lies inside the workspace,
 * unchanged otherwise. Relative inputs are taken as already workspace-relative.
 */
export function displayPath(workspaceRoot: string, file: string): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join("/");
  const rel = path.relative(workspaceRoot, file);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join("/");
}

/** True when `file` resolves to a path strictly inside `dir`. */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, path.resolve(dir, file));
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}
