import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { initWorkspace, loadConfig, readConfigFile, runDoctor, workspacePaths } from "../src/index.js";
import { installedSkillFolders } from "../src/installed-skills.js";
import { tempDir } from "./helpers.js";

/**
 * millrace.toml, the manifest and the installed-skills list are repository content. A FIFO there
 * must not hang the CLI, a link must not be followed out, and a huge file must not be read whole.
 */
function workspace(): ReturnType<typeof workspacePaths> {
  const root = tempDir();
  initWorkspace(root);
  return workspacePaths(root);
}

function rejection(work: () => unknown): MillraceError {
  try {
    work();
  } catch (error) {
    if (error instanceof MillraceError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("hostile config and state files", () => {
  it("a FIFO as millrace.toml is refused at once, by loadConfig and by doctor", () => {
    const paths = workspace();
    rmSync(paths.configFile);
    execFileSync("mkfifo", [paths.configFile]);
    const error = rejection(() => loadConfig(paths));
    expect(error.code).toBe("workspace_file_rejected");
    expect(error.message).toContain("is not a regular file (FIFO)");
    expect(error.hint).toMatch(/regular TOML file/);
    const doctor = runDoctor(paths);
    const config = doctor.checks.find((c) => c.code === "runtime_config_invalid");
    expect(config?.status).toBe("error");
    expect(config?.message).toContain("FIFO");
  });

  it("a link as millrace.toml is not followed, even to a valid config", () => {
    const paths = workspace();
    const outside = path.join(tempDir("millrace-outside-"), "x.toml");
    writeFileSync(outside, "");
    rmSync(paths.configFile);
    symlinkSync(outside, paths.configFile);
    expect(rejection(() => loadConfig(paths)).message).toContain("symbolic link");
    // A file the operator names (`--config`) may be a link, but must end at a regular file.
    expect(readConfigFile(paths.configFile, { followLinks: true })).toBe("");
    rmSync(outside);
    symlinkSync("/dev/zero", outside);
    expect(rejection(() => readConfigFile(paths.configFile, { followLinks: true })).message).toContain(
      "character device",
    );
  });

  it("a sparse 2 GiB millrace.toml is refused by size without being read", () => {
    const paths = workspace();
    truncateSync(paths.configFile, 2 * 1024 * 1024 * 1024);
    const error = rejection(() => loadConfig(paths));
    expect(error.message).toMatch(/is 2147483648 bytes; the limit is 1048576 bytes/);
  });

  it("a missing millrace.toml still means every default", () => {
    const paths = workspace();
    rmSync(paths.configFile);
    expect(readConfigFile(paths.configFile, { followLinks: false })).toBeUndefined();
    expect(loadConfig(paths).runners).toBeDefined();
  });

  it("doctor reports a FIFO manifest and snapshot as invalid instead of hanging", () => {
    const paths = workspace();
    for (const file of [paths.baselineManifest, paths.snapshot]) {
      rmSync(file, { force: true });
      execFileSync("mkfifo", [file]);
    }
    const doctor = runDoctor(paths);
    expect(doctor.ok).toBe(false);
    const text = JSON.stringify(doctor.checks);
    expect(text).toContain("FIFO");
  });

  it("an installed-skills list that is a directory refuses with manifest_invalid", () => {
    const paths = workspace();
    rmSync(paths.installedSkills, { force: true });
    mkdirSync(paths.installedSkills, { recursive: true });
    const error = rejection(() => installedSkillFolders(paths));
    expect(error.code).toBe("manifest_invalid");
    expect(error.message).toContain("directory");
  });
});
