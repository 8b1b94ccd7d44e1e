import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { renderErrorCatalog } from "../src/index.js";

it("docs/errors.md matches the error catalog", () => {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "errors.md");
  expect(readFileSync(file, "utf8"), "docs/errors.md is stale: run `pnpm docs:generate`").toBe(
    renderErrorCatalog(),
  );
});
