import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { redactText, secretValues, startProcess } from "../src/index.js";
import { LineSplitter } from "../src/process/line-splitter.js";
import { livePidsWithArg, uniqueTag } from "./helpers.js";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "millrace-proc-"));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

describe("LineSplitter", () => {
  it("splits on \\n only, across chunks and multi-byte characters, dropping \\r", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const text = Buffer.from('{"a":"x\u2028y"}\r\n{"b":"é"}\npartial');
    for (let i = 0; i < text.length; i += 3) splitter.push(text.subarray(i, i + 3));
    splitter.end();
    expect(lines).toEqual(['{"a":"x\u2028y"}', '{"b":"é"}', "partial"]);
  });
});

describe("startProcess", () => {
  it("closes stdin after the given text and captures stdout and stderr", async () => {
    const dir = tmp();
    const run = startProcess({
      command: process.execPath,
      args: [
        "-e",
        "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{process.stdout.write(s.toUpperCase());process.stderr.write('err')})",
      ],
      cwd: dir,
      env,
      stdin: { kind: "text", text: "hello" },
      timeoutMs: 10_000,
      stdoutPath: path.join(dir, "out"),
      stderrPath: path.join(dir, "err"),
    });
    const outcome = await run.outcome;
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stopReason).toBeNull();
    expect(readFileSync(path.join(dir, "out"), "utf8")).toBe("HELLO");
    expect(readFileSync(path.join(dir, "err"), "utf8")).toBe("err");
  });

  it("reports a missing executable as a spawn error", async () => {
    const dir = tmp();
    const outcome = await startProcess({
      command: path.join(dir, "missing"),
      args: [],
      cwd: dir,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 1000,
      stderrPath: path.join(dir, "err"),
    }).outcome;
    expect(outcome.spawnError?.code).toBe("ENOENT");
  });

  it("passes arguments verbatim, never through a shell", async () => {
    const dir = tmp();
    await startProcess({
      command: process.execPath,
      args: ["-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", "$(whoami)", "a b;c"],
      cwd: dir,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 10_000,
      stdoutPath: path.join(dir, "out"),
      stderrPath: path.join(dir, "err"),
    }).outcome;
    expect(JSON.parse(readFileSync(path.join(dir, "out"), "utf8"))).toEqual(["$(whoami)", "a b;c"]);
  });

  it("stops at the output cap", async () => {
    const dir = tmp();
    const outcome = await startProcess({
      command: process.execPath,
      args: ["-e", "process.stdout.write('x'.repeat(200000)); setInterval(() => {}, 1000)"],
      cwd: dir,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 20_000,
      killGraceMs: 200,
      stdoutPath: path.join(dir, "out"),
      stderrPath: path.join(dir, "err"),
      maxStdoutBytes: 1000,
    }).outcome;
    expect(outcome.stopReason).toBe("output_limit");
    expect(outcome.stdoutTruncated).toBe(true);
    expect(statSync(path.join(dir, "out")).size).toBe(1000);
  });

  it("SIGKILLs a child that ignores SIGTERM after the grace period", async () => {
    const dir = tmp();
    const outcome = await startProcess({
      command: process.execPath,
      args: ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"],
      cwd: dir,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 300,
      killGraceMs: 300,
      stderrPath: path.join(dir, "err"),
    }).outcome;
    expect(outcome.stopReason).toBe("timeout");
    expect(outcome.hardKilled).toBe(true);
    expect(outcome.signal).toBe("SIGKILL");
  });

  it("kills a double-forked daemon (re-parented, own session) found by the stage tag", async () => {
    const dir = tmp();
    const tag = uniqueTag();
    const outcome = await startProcess({
      command: "/bin/sh",
      args: ["-c", `(setsid sleep ${tag} &) ; exit 0`],
      cwd: dir,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 10_000,
      stderrPath: path.join(dir, "err"),
    }).outcome;
    expect(outcome.exitCode).toBe(0);
    expect(outcome.leakedKilled.length).toBeGreaterThan(0);
    expect(livePidsWithArg(tag)).toEqual([]);
  });
});

describe("secret redaction", () => {
  it("redacts values of secret-looking variables, longest first", () => {
    const secrets = secretValues({
      OPENAI_API_KEY: "sk-abcdef123",
      HOME: "/root",
      SHORT_TOKEN: "abc",
      GH_TOKEN: "sk-abcdef123456",
    });
    expect(redactText("a sk-abcdef123456 b sk-abcdef123 /root", secrets)).toBe(
      "a [redacted:GH_TOKEN] b [redacted:OPENAI_API_KEY] /root",
    );
  });
});
