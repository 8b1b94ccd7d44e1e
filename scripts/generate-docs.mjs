#!/usr/bin/env node
// Regenerates the generated pages under docs/ from the built packages. Tests fail when they drift.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderErrorCatalog } from "../packages/contracts/dist/index.js";

const docs = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "docs");
writeFileSync(path.join(docs, "errors.md"), renderErrorCatalog());
console.log("wrote docs/errors.md");
