// The generated reference pages, one renderer each. `scripts/generate-docs.mjs` writes them, and a
// test (apps/cli/test/reference.e2e.test.ts) fails when the checked-in pages differ.
export { renderCliReference } from "./cli-reference.mjs";
export { renderConfigurationReference } from "./configuration-reference.mjs";
export { renderTroubleshooting } from "./troubleshooting.mjs";
