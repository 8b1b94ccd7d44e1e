#!/usr/bin/env node
// Regenerates the generated pages under docs/ from the built packages. Tests fail when they drift.
// The renderers live here, in repo tooling, so none of them ships inside a package's code (the
// error catalog and the JSON output index are part of @millrace/contracts' public contract).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderErrorCatalog, renderJsonOutputDoc } from "./docs/built.mjs";
import { renderCliReference, renderConfigurationReference, renderTroubleshooting } from "./docs/index.mjs";

const docs = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "docs");
const pages = {
  "errors.md": renderErrorCatalog(),
  "json-output.md": renderJsonOutputDoc(),
  "cli.md": renderCliReference(),
  "configuration.md": renderConfigurationReference(),
  "troubleshooting.md": renderTroubleshooting(),
};
for (const [name, text] of Object.entries(pages)) {
  writeFileSync(path.join(docs, name), text);
  console.log(`wrote docs/${name}`);
}
