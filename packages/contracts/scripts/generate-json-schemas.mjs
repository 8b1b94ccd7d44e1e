#!/usr/bin/env node
// Writes schemas/<name>.schema.json for every shape in PERSISTED_SCHEMAS (from the built package).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PERSISTED_SCHEMAS, renderJsonSchema } from "../dist/index.js";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (name.endsWith(".schema.json")) rmSync(path.join(dir, name));
const names = Object.keys(PERSISTED_SCHEMAS).sort();
for (const name of names) writeFileSync(path.join(dir, `${name}.schema.json`), renderJsonSchema(name));
console.log(`wrote ${names.length} JSON Schema files to ${path.relative(process.cwd(), dir) || "."}`);
