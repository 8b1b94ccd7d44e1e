import { z } from "zod";
import { MillraceConfigSchema } from "./config.js";
import { realizeLazySchemas } from "./lazy-schema.js";
import { MailboxArchiveSchema, MailboxEnvelopeSchema } from "./mailbox.js";
import { RuntimeErrorContextSchema } from "./runtime-error.js";

/**
 * Every shape Millrace persists or exchanges, by the file name of its generated JSON Schema
 * (`packages/contracts/schemas/<name>.schema.json`). A test regenerates them and fails when the
 * checked-in files drift from the zod schemas.
 */
export const PERSISTED_SCHEMAS: Record<string, z.ZodType> = {
  "millrace-config": MillraceConfigSchema,
  "mailbox-envelope": MailboxEnvelopeSchema,
  "mailbox-archive": MailboxArchiveSchema,
  "runtime-error-context": RuntimeErrorContextSchema,
};

/** Adds more shapes to the registry (used by this package's own modules as they are written). */
export function registerPersistedSchema(name: string, schema: z.ZodType): void {
  PERSISTED_SCHEMAS[name] = schema;
}

/** The JSON Schema document for one registered shape, as checked in (stable key order, trailing newline). */
export function renderJsonSchema(name: string): string {
  const schema = PERSISTED_SCHEMAS[name];
  if (!schema) throw new Error(`no persisted schema named ${name}`);
  const document = {
    title: name,
    // The generator tells schemas apart by object identity: hand it the built schemas, not stand-ins.
    ...z.toJSONSchema(realizeLazySchemas(schema), {
      io: "output",
      unrepresentable: "any",
      target: "draft-2020-12",
    }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
