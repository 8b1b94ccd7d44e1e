/**
 * Path sets for conflict-aware scheduling. Paths are repo-relative with `/` separators; a path
 * names itself and everything below it, so `src/` (or `src`) overlaps `src/a.ts` but not `src2/a.ts`.
 * An empty path or `.` names the whole repository.
 */

/** `./src//a/` → `src/a`; backslashes count as separators. */
export function normalizeRepoPath(p: string): string {
  return p
    .replace(/\\/g, "/")
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/** True when one path is the other or lies below it. */
export function pathsOverlap(a: string, b: string): boolean {
  const x = normalizeRepoPath(a);
  const y = normalizeRepoPath(b);
  if (x === "" || y === "" || x === y) return true;
  return x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

/** Every overlapping pair `[fromA, fromB]`, in the order of `a` then `b`; empty when the sets are independent. */
export function findPathOverlaps(a: Iterable<string>, b: Iterable<string>): Array<[string, string]> {
  const right = [...b];
  const pairs: Array<[string, string]> = [];
  for (const x of a) {
    for (const y of right) if (pathsOverlap(x, y)) pairs.push([x, y]);
  }
  return pairs;
}

export function pathSetsOverlap(a: Iterable<string>, b: Iterable<string>): boolean {
  const right = [...b];
  for (const x of a) if (right.some((y) => pathsOverlap(x, y))) return true;
  return false;
}
