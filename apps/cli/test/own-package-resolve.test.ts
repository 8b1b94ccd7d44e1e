// The launcher's resolver for the Millrace packages (src/own-package-resolve.ts): what node's ES
// module resolver gives for `import("@millrace/x")`, found without `import.meta.resolve`.
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveOwnPackage } from "../src/own-package-resolve.js";
import { tempDir } from "./helpers.js";

function installPackage(root: string, name: string, manifest: unknown): string {
  const dir = path.join(root, "node_modules", ...name.split("/"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    typeof manifest === "string" ? manifest : JSON.stringify(manifest),
  );
  return dir;
}

const ours = {
  name: "@millrace/workspace",
  exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.bundle.js" } },
};

describe("resolveOwnPackage", () => {
  it("finds the package in the nearest node_modules up from the folder, at its import entry", () => {
    const root = tempDir();
    const far = installPackage(root, "@millrace/workspace", ours);
    const from = path.join(root, "a", "b", "dist");
    mkdirSync(from, { recursive: true });
    expect(resolveOwnPackage("@millrace/workspace", from)).toBe(
      pathToFileURL(path.join(far, "dist", "index.bundle.js")).href,
    );
    const near = installPackage(path.join(root, "a"), "@millrace/workspace", ours);
    expect(resolveOwnPackage("@millrace/workspace", from)).toBe(
      pathToFileURL(path.join(near, "dist", "index.bundle.js")).href,
    );
  });

  it("agrees with node's own resolver on the installed packages (node gives the link's target)", () => {
    const from = path.resolve(import.meta.dirname, "..", "dist");
    const real = (url: string) => realpathSync(fileURLToPath(url));
    for (const name of ["@millrace/workspace", "@millrace/contracts", "@millrace/scheduler"]) {
      expect(real(resolveOwnPackage(name, from))).toBe(real(import.meta.resolve(name)));
    }
  });

  it.each([
    ["another package's name", "left-pad", /not a Millrace package name/],
    ["a path in the name", "@millrace/../x", /not a Millrace package name/],
    ["a package that is not installed", "@millrace/nowhere", /cannot find package @millrace\/nowhere/],
  ])("refuses %s", (_what, name, message) => {
    expect(() => resolveOwnPackage(name, tempDir())).toThrow(message);
  });

  it.each([
    ["no exports", { name: "@millrace/workspace" }, /has no exports\["\."\]\.import/],
    ["an entry outside the package", { exports: { ".": { import: "./../../evil.js" } } }, /has no exports/],
    ["an entry that is not relative", { exports: { ".": { import: "/etc/passwd" } } }, /has no exports/],
    [
      "an oversized manifest",
      { exports: ours.exports, pad: "x".repeat(70_000) },
      /larger than a package manifest/,
    ],
    ["a manifest that is not JSON", "{nope", /JSON/],
  ])("refuses a manifest with %s", (_what, manifest, message) => {
    const root = tempDir();
    installPackage(root, "@millrace/workspace", manifest);
    expect(() => resolveOwnPackage("@millrace/workspace", root)).toThrow(message);
  });

  it("passes over a folder named package.json", () => {
    const root = tempDir();
    installPackage(root, "@millrace/workspace", ours);
    const inner = path.join(root, "inner");
    mkdirSync(path.join(inner, "node_modules", "@millrace", "workspace", "package.json"), {
      recursive: true,
    });
    expect(resolveOwnPackage("@millrace/workspace", inner)).toMatch(
      /\/node_modules\/@millrace\/workspace\/dist\/index\.bundle\.js$/,
    );
    expect(resolveOwnPackage("@millrace/workspace", inner)).not.toContain("/inner/");
  });
});
