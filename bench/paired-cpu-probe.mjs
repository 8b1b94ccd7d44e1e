// Preloaded (`node --import`) into each suite process by bench/paired-builds.mjs: at exit it
// writes the process's own CPU time (user and system, milliseconds) to PAIRED_CPU_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.PAIRED_CPU_FILE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({ user: usage.userCPUTime / 1000, system: usage.systemCPUTime / 1000 }),
    );
  });
}
