import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PERSISTED_SCHEMAS, renderJsonSchema } from "../src/index.js";

const schemasDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
const hint = "run `pnpm --filter @millrace/contracts generate:schemas` and commit the result";

describe("generated JSON Schema files", () => {
  it("exist for exactly the registered shapes", () => {
    const onDisk = readdirSync(schemasDir)
      .filter((name) => name.endsWith(".schema.json"))
      .map((name) => name.replace(/\.schema\.json$/, ""))
      .sort();
    expect(onDisk, hint).toEqual(Object.keys(PERSISTED_SCHEMAS).sort());
  });

  for (const name of Object.keys(PERSISTED_SCHEMAS).sort()) {
    it(`${name} matches its zod schema`, () => {
      const file = path.join(schemasDir, `${name}.schema.json`);
      expect(readFileSync(file, "utf8"), `${name}.schema.json is out of date: ${hint}`).toBe(
        renderJsonSchema(name),
      );
    });
  }
});
