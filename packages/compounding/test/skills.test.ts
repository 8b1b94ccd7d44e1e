import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  InstalledSkillsManifestSchema,
  MillraceError,
  SkillDetailSchema,
  SkillInstallOutputSchema,
} from "@millrace/contracts";
import { applyUpgrade, initWorkspace, workspacePaths } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { installSkills, listSkills, removeSkill, showSkill, validateSkillFolder } from "../src/index.js";
import { skillFolder, tarball, tempDir, tempWorkspace, write } from "./helpers.js";

const NOW = new Date("2026-04-28T12:00:00Z");

function errorOf(fn: () => unknown): MillraceError {
  try {
    fn();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

describe("validateSkillFolder", () => {
  it("accepts a text skill with front matter", () => {
    const dir = skillFolder(tempDir(), "deploy-notes", { "reference/commands.md": "# Commands\n" });
    expect(validateSkillFolder(dir)).toMatchObject({
      ok: true,
      name: "deploy-notes",
      description: "How to deploy notes in this project.",
      files: ["SKILL.md", "reference/commands.md"],
      problems: [],
    });
  });

  it("names every problem of a malformed skill", () => {
    const base = tempDir();
    const noFront = path.join(base, "no-front");
    write(path.join(noFront, "SKILL.md"), "# no front matter\n");
    expect(validateSkillFolder(noFront).problems).toEqual([
      "SKILL.md: SKILL.md must start with a `---` front-matter line",
    ]);
    const badName = path.join(base, "bad-name");
    write(path.join(badName, "SKILL.md"), "---\nname: Bad_Name\n---\n");
    expect(validateSkillFolder(badName).problems).toEqual([
      'SKILL.md: name "Bad_Name" must be 1-64 lower-case letters, digits and single hyphens',
      "SKILL.md: the front matter needs a `description`",
    ]);
    const payload = skillFolder(base, "payload", {
      "run.sh": "echo hi\n",
      "notes.md": "#!/bin/sh\necho\n",
      "data.json": "a\u0000b",
    });
    const exec = path.join(payload, "exec.md");
    writeFileSync(exec, "text\n");
    chmodSync(exec, 0o755);
    symlinkSync("/etc/passwd", path.join(payload, "link.md"));
    expect(validateSkillFolder(payload).problems).toEqual([
      "data.json: binary content is not allowed",
      "exec.md: executable files are not allowed",
      "link.md: symbolic links are not allowed",
      "notes.md: script payloads (#!) are not allowed",
      "run.sh: only text files (.md, .txt, .json, .yaml, .yml, .toml, .csv) are allowed",
    ]);
    const big = skillFolder(base, "big", { "huge.md": "x".repeat(300 * 1024) });
    expect(validateSkillFolder(big).problems).toEqual(["huge.md: 307200 bytes (limit 262144)"]);
    expect(validateSkillFolder(path.join(base, "absent")).ok).toBe(false);
  });
});

describe("installSkills", () => {
  it("installs one skill folder into skills/learned and records it", () => {
    const paths = tempWorkspace();
    const source = skillFolder(tempDir(), "deploy-notes", { "ref.md": "ref\n" });
    const result = installSkills(paths, { source: { kind: "folder", path: source }, now: NOW });
    expect(SkillInstallOutputSchema.parse(result)).toEqual(result);
    expect(result.installed.map((s) => s.name)).toEqual(["deploy-notes"]);
    const installed = path.join(paths.runtimeRoot, "skills/learned/deploy-notes");
    expect(readFileSync(path.join(installed, "ref.md"), "utf8")).toBe("ref\n");
    const manifest = InstalledSkillsManifestSchema.parse(
      JSON.parse(readFileSync(paths.installedSkills, "utf8")),
    );
    expect(manifest.skills[0]).toMatchObject({
      name: "deploy-notes",
      relative_path: "skills/learned/deploy-notes",
      source_kind: "folder",
      source,
      installed_at: "2026-04-28T12:00:00Z",
    });
    expect(Object.keys(manifest.skills[0]?.files ?? {})).toEqual([
      "skills/learned/deploy-notes/SKILL.md",
      "skills/learned/deploy-notes/ref.md",
    ]);
    expect(listSkills(paths).map((s) => [s.name, s.status])).toEqual([["deploy-notes", "ok"]]);
    writeFileSync(path.join(installed, "ref.md"), "edited\n");
    const shown = showSkill(paths, "deploy-notes");
    expect(SkillDetailSchema.parse(shown)).toEqual(shown);
    expect(shown).toMatchObject({ status: "modified" });
    expect(showSkill(paths, "deploy-notes").skill_md).toContain("name: deploy-notes");
  });

  it("installs every skill of an unpacked npm package's skills/ folder, or only the named ones", () => {
    const paths = tempWorkspace();
    const pkg = tempDir();
    write(path.join(pkg, "package.json"), JSON.stringify({ name: "@acme/skills", version: "1.2.3" }));
    skillFolder(path.join(pkg, "skills"), "alpha");
    skillFolder(path.join(pkg, "skills"), "beta");
    const only = installSkills(paths, {
      source: { kind: "npm_package", path: pkg },
      only: ["beta"],
      now: NOW,
    });
    expect(only.installed.map((s) => [s.name, s.source, s.source_kind])).toEqual([
      ["beta", "@acme/skills@1.2.3", "npm_package"],
    ]);
    const rest = installSkills(paths, {
      source: { kind: "npm_package", path: pkg },
      only: ["alpha"],
      now: NOW,
    });
    expect(rest.installed.map((s) => s.name)).toEqual(["alpha"]);
    expect(listSkills(paths).map((s) => s.name)).toEqual(["alpha", "beta"]);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "npm_package", path: pkg }, only: ["gamma"] }))
        .code,
    ).toBe("skill_invalid");
  });

  it("installs from a packed npm tarball and refuses links and escaping paths in one", () => {
    const paths = tempWorkspace();
    const dir = tempDir();
    const good = tarball(path.join(dir, "acme-skills-1.0.0.tgz"), [
      { path: "package/package.json", data: JSON.stringify({ name: "acme-skills", version: "1.0.0" }) },
      { path: "package/skills/", type: "5" },
      {
        path: "package/skills/gamma/SKILL.md",
        data: "---\nname: gamma\ndescription: Gamma things.\n---\n# Gamma\n",
      },
      { path: "package/skills/gamma/notes.md", data: "notes\n" },
    ]);
    const result = installSkills(paths, { source: { kind: "tarball", path: good }, now: NOW });
    expect(result.installed.map((s) => [s.name, s.source_kind, s.source])).toEqual([
      ["gamma", "tarball", `acme-skills@1.0.0 (${good})`],
    ]);
    expect(existsSync(path.join(paths.runtimeRoot, "skills/learned/gamma/notes.md"))).toBe(true);
    const link = tarball(path.join(dir, "link.tgz"), [{ path: "package/skills/x/SKILL.md", type: "2" }]);
    expect(errorOf(() => installSkills(paths, { source: { kind: "tarball", path: link } })).message).toMatch(
      /is a link/,
    );
    const escaping = tarball(path.join(dir, "escape.tgz"), [{ path: "package/../../evil.md", data: "x" }]);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "tarball", path: escaping } })).message,
    ).toMatch(/unsafe path/);
    const execTar = tarball(path.join(dir, "exec.tgz"), [
      { path: "package/skills/delta/SKILL.md", data: "---\nname: delta\ndescription: d\n---\n" },
      { path: "package/skills/delta/tool.md", data: "x\n", mode: 0o755 },
    ]);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "tarball", path: execTar } })).message,
    ).toMatch(/executable files are not allowed/);
    write(path.join(dir, "junk.tgz"), "not gzip");
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "tarball", path: path.join(dir, "junk.tgz") } }))
        .code,
    ).toBe("skill_invalid");
    expect(listSkills(paths).map((s) => s.name)).toEqual(["gamma"]);
  });

  it("refuses a malformed skill with the reason and writes nothing", () => {
    const paths = tempWorkspace();
    const base = tempDir();
    skillFolder(base, "fine");
    skillFolder(base, "broken", { "install.sh": "rm -rf /\n" });
    const error = errorOf(() => installSkills(paths, { source: { kind: "folder", path: base } }));
    expect(error.code).toBe("skill_invalid");
    expect(error.message).toBe(
      "skill validation failed: broken: install.sh: only text files (.md, .txt, .json, .yaml, .yml, .toml, .csv) are allowed",
    );
    expect(existsSync(path.join(paths.runtimeRoot, "skills/learned"))).toBe(false);
    expect(existsSync(paths.installedSkills)).toBe(false);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "folder", path: tempDir() } })).message,
    ).toMatch(/no skills found/);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "folder", path: path.join(base, "nope") } }))
        .message,
    ).toMatch(/does not exist/);
    expect(
      errorOf(() => installSkills(paths, { source: { kind: "npm_package", path: tempDir() } })).message,
    ).toMatch(/no skills\/ folder/);
  });

  it("refuses to overwrite an installed skill unless replacing; remove takes it out", () => {
    const paths = tempWorkspace();
    const source = skillFolder(tempDir(), "deploy-notes");
    installSkills(paths, { source: { kind: "folder", path: source }, now: NOW });
    expect(errorOf(() => installSkills(paths, { source: { kind: "folder", path: source } })).code).toBe(
      "skill_conflict",
    );
    write(path.join(source, "extra.md"), "new\n");
    const replaced = installSkills(paths, {
      source: { kind: "folder", path: source },
      replace: true,
      now: NOW,
    });
    expect(replaced.replaced).toEqual(["deploy-notes"]);
    expect(existsSync(path.join(paths.runtimeRoot, "skills/learned/deploy-notes/extra.md"))).toBe(true);
    expect(removeSkill(paths, "deploy-notes").name).toBe("deploy-notes");
    expect(existsSync(path.join(paths.runtimeRoot, "skills/learned/deploy-notes"))).toBe(false);
    expect(listSkills(paths)).toEqual([]);
    expect(errorOf(() => removeSkill(paths, "deploy-notes")).code).toBe("not_found");
    expect(errorOf(() => showSkill(paths, "deploy-notes")).code).toBe("not_found");
  });

  it("refuses to work from an unreadable manifest", () => {
    const paths = tempWorkspace();
    write(paths.installedSkills, "{");
    expect(errorOf(() => listSkills(paths)).code).toBe("manifest_invalid");
  });

  it("survives upgrade --apply, even when the package starts shipping the same path", () => {
    const assets = tempDir();
    for (const [rel, text] of Object.entries({
      "millrace.toml": "[runtime]\n",
      "entrypoints/execution/builder.md": "# Builder\n",
      "skills/shared/a/SKILL.md": "skill a\n",
    }))
      write(path.join(assets, rel), text);
    const root = tempDir();
    initWorkspace(root, { assetsRoot: assets });
    const paths = workspacePaths(root);
    installSkills(paths, {
      source: { kind: "folder", path: skillFolder(tempDir(), "deploy-notes") },
      now: NOW,
    });
    mkdirSync(path.join(assets, "skills/learned/deploy-notes"), { recursive: true });
    write(path.join(assets, "skills/learned/deploy-notes/SKILL.md"), "packaged version\n");
    write(path.join(assets, "entrypoints/execution/builder.md"), "# Builder v2\n");
    const report = applyUpgrade(root, { assetsRoot: assets });
    expect(report.written).toEqual(["entrypoints/execution/builder.md"]);
    expect(listSkills(paths).map((s) => [s.name, s.status])).toEqual([["deploy-notes", "ok"]]);
  });
});
