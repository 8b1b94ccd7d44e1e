// scripts/check-packages.mjs on a scratch repository: a well-formed package passes; a package that
// ships stray files, lacks a README, imports an undeclared dependency or declares an unused one
// fails with one line per problem. (`pnpm lint` runs the same script on the real packages.)
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "scripts",
  "check-packages.mjs",
);
const root = tempDir("millrace-check-packages-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

function manifest(name: string, extra: Record<string, unknown>): string {
  return `${JSON.stringify(
    {
      name,
      version: "1.0.0",
      description: "fixture",
      license: "Apache-2.0",
      type: "module",
      exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" } },
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      files: ["dist", "README.md", "LICENSE"],
      ...extra,
    },
    null,
    2,
  )}\n`;
}

write("packages/good/package.json", manifest("@demo/good", { dependencies: { "@demo/dep": "^1.0.0" } }));
write(
  "packages/good/dist/index.js",
  'import { x } from "@demo/dep";\nimport path from "node:path";\nexport const a = x + path.sep;\n',
);
write("packages/good/dist/index.d.ts", "export declare const a: string;\n");
write("packages/good/README.md", "# good\n");
write("packages/good/LICENSE", "Apache-2.0\n");

write(
  "packages/bad/package.json",
  manifest("@demo/bad", { files: ["dist", "src", "LICENSE"], dependencies: { zod: "^4.0.0" } }),
);
write(
  "packages/bad/dist/index.js",
  '// import "not-a-dep" in a comment does not count\nimport pad from "left-pad";\nexport const a = pad("a", 2);\n',
);
write("packages/bad/dist/index.d.ts", "export declare const a: string;\n");
write("packages/bad/src/index.ts", "export const a = 1;\n");
write("packages/bad/LICENSE", "Apache-2.0\n");

write("apps/private/package.json", JSON.stringify({ name: "demo-private", private: true, version: "0.0.0" }));

describe("check-packages", () => {
  it("passes a clean package and names every problem of a broken one", () => {
    const result = spawnSync(process.execPath, [SCRIPT, "--root", root], {
      encoding: "utf8",
      timeout: 180_000,
    });
    expect(result.stdout).toContain("ok   @demo/good@1.0.0");
    expect(result.stdout).toContain("FAIL @demo/bad@1.0.0");
    const bad = result.stdout.slice(result.stdout.indexOf("FAIL @demo/bad"));
    expect(bad).toContain("ships an unexpected file: src/index.ts");
    expect(bad).toContain("does not ship README.md");
    expect(bad).toContain("imports left-pad (in dist/index.js) but does not declare it as a dependency");
    expect(bad).toContain("declares zod but never imports it");
    expect(bad).not.toContain("not-a-dep");
    expect(result.stdout).not.toContain("demo-private");
    expect(result.stderr).toContain("check-packages: 1 of 2 package(s) not ready to publish");
    expect(result.status).toBe(1);
  });
});
