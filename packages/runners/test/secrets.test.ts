import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  looksLikeKey,
  redactJson,
  redactText,
  scrubRunArtifacts,
  secretValues,
  stageSecrets,
  startProcess,
} from "../src/index.js";
import { REDACT_CHUNK_BYTES, redactFiles } from "../src/secrets/redact-files.js";
import { StreamRedactor } from "../src/secrets/stream-redactor.js";
import { config } from "./helpers.js";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "millrace-secrets-"));
const KEY = "sk-proj-AbCdEfGh1234567890XyZ";

describe("secret collection", () => {
  it("finds credentials by name and by value shape, never short or ordinary values", () => {
    const secrets = secretValues({
      OPENAI_API_KEY: "short",
      HOME: "/root",
      PATH: "/usr/local/bin:/usr/bin:/bin",
      SOME_VAR: KEY,
      OTHER: "ghp_0123456789abcdefABCDEF0123",
      RANDOMISH: "q8Z3xK9wP2mV7nL4tR6yB1cD5fG0hJ8s",
      PLAIN_WORDS: "this is a long but ordinary value with spaces",
      HEXLESS: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    });
    expect([...secrets.values()].sort()).toEqual(["OTHER", "RANDOMISH", "SOME_VAR"]);
    expect(looksLikeKey("AKIAIOSFODNN7EXAMPLE")).toBe(true);
    expect(looksLikeKey("/home/user/some/long/path/to/a/file.txt")).toBe(false);
  });

  it("adds every runner env table value, whatever its name, and splits multi-line values", () => {
    const cfg = config({
      runners: {
        codex: { env: { PLAINVAR: "plain-value-1", SHORT: "1" } },
        claude: { env: { PEM: "-----BEGIN KEY-----\nAAAAbbbbCCCC\n-----END KEY-----" } },
        pi: { env: { PI_THING: "pi-value-22" } },
      },
    });
    const secrets = stageSecrets({ GH_TOKEN: "tok-123456" }, cfg);
    expect(secrets.get("plain-value-1")).toBe("PLAINVAR");
    expect(secrets.get("pi-value-22")).toBe("PI_THING");
    expect(secrets.get("AAAAbbbbCCCC")).toBe("PEM");
    expect(secrets.get("tok-123456")).toBe("GH_TOKEN");
    expect(secrets.has("1")).toBe(false);
    const lengths = [...secrets.keys()].map((v) => v.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
  });

  it("redacts strings inside JSON values, keys untouched", () => {
    const secrets = new Map([[KEY, "K"]]);
    expect(redactJson({ [KEY]: [KEY, 1, null, { a: `x${KEY}` }] }, secrets)).toEqual({
      [KEY]: ["[redacted:K]", 1, null, { a: "x[redacted:K]" }],
    });
  });
});

describe("StreamRedactor", () => {
  it("catches a secret split at every possible chunk boundary", () => {
    const secrets = new Map([[KEY, "K"]]);
    const text = Buffer.from(`before ${KEY} middle ${KEY}\nno newline at the end ${KEY}`);
    for (let cut = 1; cut < text.length; cut += 1) {
      const out: Buffer[] = [];
      const redactor = new StreamRedactor(secrets, (b) => out.push(Buffer.from(b)));
      redactor.push(text.subarray(0, cut));
      redactor.push(text.subarray(cut));
      redactor.end();
      expect(Buffer.concat(out).toString()).toBe(
        "before [redacted:K] middle [redacted:K]\nno newline at the end [redacted:K]",
      );
    }
  });

  it("writes complete lines at once and holds back only a short unterminated tail", () => {
    const out: string[] = [];
    const redactor = new StreamRedactor(new Map([["secret-value", "S"]]), (b) => out.push(b.toString()));
    redactor.push(Buffer.from("line one\nline two without newline, long enough to flush"));
    const whole = "line one\nline two without newline, long enough to flush";
    // "secret-value" has 12 bytes: the last 11 bytes of the open line wait for more input.
    expect(out.join("")).toBe(whole.slice(0, whole.length - 11));
    redactor.end();
    expect(out.join("")).toBe("line one\nline two without newline, long enough to flush");
  });

  it("passes bytes through untouched without secrets", () => {
    const out: Buffer[] = [];
    const redactor = new StreamRedactor(new Map(), (b) => out.push(b));
    redactor.push(Buffer.from([0, 255, 10, 1]));
    redactor.end();
    expect(Buffer.concat(out)).toEqual(Buffer.from([0, 255, 10, 1]));
  });
});

describe("startProcess redaction", () => {
  it("redacts stdout and stderr as they are written, a secret split across writes included", async () => {
    const dir = tmp();
    const run = startProcess({
      command: process.execPath,
      args: [
        "-e",
        `const k=process.env.K;process.stdout.write(k.slice(0,5));setTimeout(()=>{process.stdout.write(k.slice(5)+"\\n");process.stderr.write("e "+k)},30)`,
      ],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", K: KEY },
      stdin: { kind: "closed" },
      timeoutMs: 10_000,
      stdoutPath: path.join(dir, "out"),
      stderrPath: path.join(dir, "err"),
      secrets: new Map([[KEY, "K"]]),
    });
    await run.outcome;
    expect(readFileSync(path.join(dir, "out"), "utf8")).toBe("[redacted:K]\n");
    expect(readFileSync(path.join(dir, "err"), "utf8")).toBe("e [redacted:K]");
  });
});

describe("redactFiles (the pass over a stage's captured output)", () => {
  const secrets = new Map([[KEY, "OPENAI_API_KEY"]]);

  it("leaves a file without a secret as it is: same inode, no temp file made", () => {
    const dir = tmp();
    const file = path.join(dir, "runner_stdout.r1.txt");
    writeFileSync(file, `${"clean line\n".repeat(20_000)}almost ${KEY.slice(0, -1)}\n`);
    const before = statSync(file);
    expect(redactFiles([file, null, path.join(dir, "missing.txt")], secrets)).toEqual([]);
    const after = statSync(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    expect(readdirSync(dir)).toEqual(["runner_stdout.r1.txt"]);
  });

  it("finds a value split across two reads, and one in the last bytes, and redacts every copy", () => {
    const dir = tmp();
    const split = path.join(dir, "split.txt");
    const cut = REDACT_CHUNK_BYTES - 5;
    writeFileSync(split, `${"x".repeat(cut)}${KEY}\n${"y".repeat(REDACT_CHUNK_BYTES * 2)}${KEY}`);
    const tail = path.join(dir, "tail.txt");
    writeFileSync(tail, `${"z".repeat(REDACT_CHUNK_BYTES * 3 - KEY.length)}${KEY}`);
    expect(redactFiles([split, tail], secrets)).toEqual([split, tail]);
    const text = readFileSync(split, "utf8");
    expect(text.includes(KEY)).toBe(false);
    expect(text.split("[redacted:OPENAI_API_KEY]").length).toBe(3);
    expect(readFileSync(tail, "utf8").endsWith("z[redacted:OPENAI_API_KEY]")).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["split.txt", "tail.txt"]);
  });
});

describe("scrubRunArtifacts", () => {
  it("rewrites every regular file under the run folder, never following a symlink", () => {
    const root = tmp();
    const runDir = path.join(root, "run");
    const outside = path.join(root, "outside.txt");
    mkdirSync(path.join(runDir, "stage_results"), { recursive: true });
    writeFileSync(path.join(runDir, "runner_stderr.r1.txt"), `k=${KEY}\n`);
    writeFileSync(path.join(runDir, "stage_results", "r1.json"), JSON.stringify({ note: KEY }));
    writeFileSync(path.join(runDir, "clean.txt"), "nothing here\n");
    writeFileSync(outside, KEY);
    symlinkSync(outside, path.join(runDir, "link.txt"));
    const changed = scrubRunArtifacts(runDir, new Map([[KEY, "OPENAI_API_KEY"]]));
    expect(changed).toEqual([
      path.join(runDir, "runner_stderr.r1.txt"),
      path.join(runDir, "stage_results", "r1.json"),
    ]);
    expect(readFileSync(path.join(runDir, "runner_stderr.r1.txt"), "utf8")).toBe(
      "k=[redacted:OPENAI_API_KEY]\n",
    );
    expect(readFileSync(outside, "utf8")).toBe(KEY);
    expect(scrubRunArtifacts(path.join(root, "missing"), new Map([[KEY, "K"]]))).toEqual([]);
    expect(scrubRunArtifacts(runDir, new Map())).toEqual([]);
  });

  it("keeps redactText's longest-first behaviour", () => {
    expect(redactText("ab abc", new Map([["abcdef", "X"]]))).toBe("ab abc");
  });
});
