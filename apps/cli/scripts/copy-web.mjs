#!/usr/bin/env node
// Copies the dashboard's built frontend (apps/web/dist) into this package (dist/web) at build
// time, so the published CLI serves it offline and nothing reads the repository at run time.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.resolve(pkg, "..", "web", "dist");
const target = path.join(pkg, "dist", "web");
rmSync(target, { recursive: true, force: true });
if (!existsSync(path.join(source, "index.html"))) {
  console.error(`copy-web: ${path.relative(pkg, source)}/index.html is missing; build apps/web first`);
  process.exit(1);
}
cpSync(source, target, {
  recursive: true,
  filter: (src) => !path.basename(src).startsWith(".") || src === source,
});
