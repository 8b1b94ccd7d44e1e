/**
 * The full CLI as one ES module entry (dist/cli.js and its chunks, bundle.mjs): yargs and every
 * command. The launcher (src/launch.ts, dist/bin.cjs) imports it for any argv it does not answer
 * itself.
 */
export { main } from "./main.js";
