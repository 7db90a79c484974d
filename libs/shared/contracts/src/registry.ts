import { z } from 'zod';
import { envelopeSchema, type EventEnvelope } from './envelope';
import { redactableSchema, type PhiSpec } from './phi';

/** One version of one event type: its payload schema and how to lift it to the next version. */
export interface EventVersionDefinition {
  version: number;
  schema: z.ZodType;
  /** Payload of this version -> payload of `version + 1`. Absent on the latest version. */
  upcast?: (data: unknown, meta: EventEnvelope) => unknown;
}

export interface EventDefinition {
  type: string;
  category: string;
  summary: string;
  /** Which service publishes it (AsyncAPI channel owner). */
  producer: string;
  versions: EventVersionDefinition[];
  /** Protected health information in the payload: encrypted per patient in the store and on the bus. */
  phi?: PhiSpec;
}

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

/** Older versions may predate a PHI field: only the paths they have admit the redaction marker. */
function lenientRedactable(schema: z.ZodType, paths: readonly string[]): z.ZodType {
  return paths.reduce<z.ZodType>((acc, path) => {
    try {
      return redactableSchema(acc, [path]);
    } catch {
      return acc;
    }
  }, schema);
}

const toIssues = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/**
 * The catalogue of event types. Every boundary (append, publish, consume) validates through it,
 * and readers call `upcast` so that code only ever sees the latest version of a payload.
 */
export class EventRegistry {
  private readonly byType = new Map<string, EventDefinition>();
  /** Per PHI-bearing type and version: the schema that also admits shredded (redacted) PHI fields. */
  private readonly readSchemas = new Map<string, z.ZodType[]>();

  register(definition: EventDefinition): this {
    if (this.byType.has(definition.type)) throw new Error(`event type ${definition.type} registered twice`);
    const versions = [...definition.versions].sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) throw new Error(`${definition.type}: versions must be 1..n without gaps`);
      if (i < versions.length - 1 && !v.upcast) {
        throw new Error(`${definition.type} v${v.version}: an older version needs an upcaster`);
      }
    });
    this.byType.set(definition.type, { ...definition, versions });
    if (definition.phi) {
      const paths = Object.keys(definition.phi.fields);
      this.readSchemas.set(
        definition.type,
        versions.map((v, i) =>
          i === versions.length - 1 ? redactableSchema(v.schema, paths) : lenientRedactable(v.schema, paths),
        ),
      );
    }
    return this;
  }

  /** The PHI fields of a type (undefined: none). */
  phiSpec(type: string): PhiSpec | undefined {
    return this.byType.get(type)?.phi;
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  definitions(): EventDefinition[] {
    return [...this.byType.values()];
  }

  latestVersion(type: string): number {
    return this.require(type).versions.length;
  }

  /** Validates envelope and payload against the version the event claims. Throws EventValidationError. */
  validate(event: unknown): EventEnvelope {
    const env = envelopeSchema.safeParse(event);
    if (!env.success) throw new EventValidationError('invalid event envelope', toIssues(env.error));
    const def = this.byType.get(env.data.type);
    if (!def) {
      throw new EventValidationError(`unknown event type ${env.data.type}`, [
        { path: 'type', message: 'not registered' },
      ]);
    }
    const version = def.versions[env.data.schemaVersion - 1];
    if (!version) {
      throw new EventValidationError(`${def.type} has no schema version ${env.data.schemaVersion}`, [
        { path: 'schemaVersion', message: 'unknown version' },
      ]);
    }
    const schema = this.readSchemas.get(def.type)?.[version.version - 1] ?? version.schema;
    const data = schema.safeParse(env.data.data);
    if (!data.success) {
      throw new EventValidationError(
        `invalid ${def.type} v${version.version} payload`,
        toIssues(data.error).map((i) => ({ ...i, path: `data.${i.path}` })),
      );
    }
    return { ...env.data, data: data.data } as EventEnvelope;
  }

  /** Validates, then lifts the payload to the latest version. Stored events are never rewritten. */
  upcast<E extends EventEnvelope = EventEnvelope>(event: unknown): E {
    let current = this.validate(event);
    const def = this.require(current.type);
    while (current.schemaVersion < def.versions.length) {
      const from = def.versions[current.schemaVersion - 1]!;
      const next = def.versions[current.schemaVersion]!;
      const data = (this.readSchemas.get(def.type)?.[next.version - 1] ?? next.schema).parse(
        from.upcast!(current.data, current),
      );
      current = { ...current, schemaVersion: next.version, data };
    }
    return current as E;
  }

  private require(type: string): EventDefinition {
    const def = this.byType.get(type);
    if (!def)
      throw new EventValidationError(`unknown event type ${type}`, [
        { path: 'type', message: 'not registered' },
      ]);
    return def;
  }
}
