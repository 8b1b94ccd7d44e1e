#!/usr/bin/env node
// Regenerates the generated pages under docs/ from the built packages. Tests fail when they drift.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  renderCliReference,
  renderConfigurationReference,
  renderTroubleshooting,
} from "../apps/cli/dist/reference.js";
import { renderErrorCatalog, renderJsonOutputDoc } from "../packages/contracts/dist/index.js";

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
