import { fileURLToPath } from "node:url";

/**
 * The packaged baseline: `assets/` as copied into this package at build time. Resolves the same way
 * from `src/` (tests) and `dist/` (published), since both sit one level below the package root.
 */
export function packagedAssetsRoot(): string {
  return fileURLToPath(new URL("../assets", import.meta.url));
}
