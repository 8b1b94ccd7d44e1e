/**
 * A schema built on first use. `lazySchema(() => z.strictObject(...))` returns a stand-in that
 * behaves as the schema itself (parse, safeParse, shape, extend, instanceof, nesting in other
 * schemas): the builder runs the first time any property of the stand-in is read, once, and every
 * later read goes to that one built schema.
 *
 * Why: building zod schemas is the largest fixed cost of a cold CLI command (a cold `status`
 * built about 2,900 schema objects when its modules were evaluated, most of them for documents it
 * never reads in a given workspace: closure targets, questions, lane state, stage results, work
 * documents). Wrapped, a module costs one small object per schema until the schema is used.
 *
 * The stand-in is a Proxy: `XSchema === XSchema` holds, and zod reaches everything it needs through
 * it. When a schema is built, the stand-ins among its parts are replaced by their built schemas (so
 * the parts are built with it): below the top, a built schema is plain zod. Where object identity
 * matters (zod's JSON Schema generator), `realizeLazySchemas` hands over the built object itself.
 * Marked free of side effects so a bundler drops a wrapped schema nothing reads.
 */
/* @__NO_SIDE_EFFECTS__ */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const real = (): T => {
    if (built === undefined) {
      const schema = build();
      built = schema;
      // Its parts point at the built schemas from now on, so a parse goes through no stand-in below
      // the top (a Proxy trap per nested schema per parse would tax the daemon's steady state).
      realizeGraph(schema);
    }
    return built;
  };
  // The proxy's own target is an empty object; every trap answers from the built schema. A property
  // the built schema reports as non-configurable is copied onto the target first, as the Proxy
  // invariants require for such a descriptor.
  const stand = new Proxy({} as T, {
    get: (_target, key) => Reflect.get(real(), key),
    set: (_target, key, value) => Reflect.set(real(), key, value),
    has: (_target, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      if (descriptor && !descriptor.configurable && !Reflect.getOwnPropertyDescriptor(target, key)) {
        Reflect.defineProperty(target, key, descriptor);
      }
      return descriptor;
    },
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
  standIns.set(stand, real);
  return stand;
}

const standIns = new WeakMap<object, () => object>();

/** The built schema behind a stand-in (building it now if needed); any other value as it is. */
export function realSchema<T>(value: T): T {
  const real = typeof value === "object" && value !== null ? standIns.get(value) : undefined;
  return real ? (real() as T) : value;
}

/**
 * The schema with every stand-in reachable from it replaced by its built schema (which a schema
 * built by `lazySchema` already is, see above; this covers a schema built outside it from stand-ins,
 * such as `z.object({ a: XSchema })` in another package). Parsing is the same either way; zod's
 * JSON Schema generator needs it, as it keys its bookkeeping by the object each schema's own
 * closures hold, the built one.
 */
export function realizeLazySchemas<T>(schema: T): T {
  const root = realSchema(schema);
  realizeGraph(root);
  return root;
}

/** Schema objects whose parts have been walked (each part is then walked too). */
const realized = new WeakSet<object>();

/**
 * Replaces in place every stand-in among a schema's parts, and its parts' parts, by its built
 * schema (building it now). A definition holds schemas directly (innerType, element, in, out), in
 * arrays (options, items) or in plain records (an object's shape); other values are left alone.
 */
function realizeGraph(root: unknown): void {
  const containers = new Set<object>();
  const visit = (value: unknown): unknown => {
    const real = realSchema(value);
    if (typeof real !== "object" || real === null || realized.has(real)) return real;
    realized.add(real);
    const internals = (real as { _zod?: { def?: object; parent?: unknown } })._zod;
    if (internals?.def) {
      walkContainer(internals.def);
      if (internals.parent !== undefined) internals.parent = visit(internals.parent);
    }
    return real;
  };
  const walkContainer = (container: object): void => {
    if (containers.has(container)) return;
    containers.add(container);
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (typeof value !== "object" || value === null) continue;
      if (standIns.has(value) || "_zod" in value) {
        const real = visit(value);
        if (real !== value) record[key] = real;
      } else if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
        walkContainer(value);
      }
    }
  };
  visit(root);
}
