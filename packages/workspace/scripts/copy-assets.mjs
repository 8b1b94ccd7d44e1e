#!/usr/bin/env node
// Copies the repository's assets/ into this package (packages/workspace/assets) at build time, so
// the published package carries the baseline and nothing reads the repo's assets/ at run time.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.resolve(pkg, "..", "..", "assets");
const target = path.join(pkg, "assets");
rmSync(target, { recursive: true, force: true });
if (existsSync(source)) {
  cpSync(source, target, {
    recursive: true,
    filter: (src) => !path.basename(src).startsWith(".") || src === source,
  });
}
