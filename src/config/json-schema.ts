import { z } from 'zod';
import { snapshotSchema } from '../core/snapshot-schema.js';
import { configSchema } from './schema.js';

/** JSON Schema of snap.config.yaml, from the same zod schema the loader validates with. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    title: 'snap configuration',
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}

export function snapshotJsonSchema(): Record<string, unknown> {
  return {
    title: 'snap snapshot',
    ...z.toJSONSchema(snapshotSchema, { io: 'output', target: 'draft-2020-12' }),
  };
}
