import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** A package.json larger than this is not one of ours. */
const MAX_MANIFEST_BYTES = 64 * 1024;

/**
 * The URL of a Millrace package's main entry as node's ES module resolver would give it (the
 * `import` condition of `exports["."]`), found from `fromDir` up through each `node_modules`. The
 * hot bundles ask for it (as `__millraceImportResolve`) only for a package that is not in one of
 * the usual places beside the CLI (bundle.mjs, ownUrls). The launcher is CommonJS, which has no
 * `import.meta.resolve`; the packages it resolves are ours, whose `exports` shape the build checks
 * (scripts/bundle-package-dist.mjs), so this small walk is exact for them. It reads package.json
 * files of installed packages only (not the workspace), and refuses anything else with an error
 * that names the package.
 */
export function resolveOwnPackage(name: string, fromDir: string): string {
  if (!/^@millrace\/[a-z0-9-]+$/.test(name)) throw new Error(`not a Millrace package name: ${name}`);
  for (let dir = path.resolve(fromDir); ; ) {
    const root = path.join(dir, "node_modules", ...name.split("/"));
    const manifestFile = path.join(root, "package.json");
    const stat = statSync(manifestFile, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      if (stat.size > MAX_MANIFEST_BYTES)
        throw new Error(`${manifestFile} is larger than a package manifest`);
      const entry = importEntry(JSON.parse(readFileSync(manifestFile, "utf8")));
      if (entry === undefined) throw new Error(`${manifestFile} has no exports["."].import`);
      return pathToFileURL(path.join(root, entry)).href;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find package ${name} from ${fromDir}`);
    dir = parent;
  }
}

function importEntry(manifest: unknown): string | undefined {
  const main = (manifest as { exports?: { "."?: { import?: unknown } } } | null)?.exports?.["."];
  const entry = main?.import;
  return typeof entry === "string" && entry.startsWith("./") && !entry.includes("..") ? entry : undefined;
}
