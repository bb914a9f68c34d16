// Writes schema/*.json from the zod schemas (npm run schemas). A test fails when they drift.
import { writeFile } from 'node:fs/promises';
import { configJsonSchema, snapshotJsonSchema } from '../config/json-schema.js';

const root = new URL('../../schema/', import.meta.url);
await writeFile(new URL('snap.config.schema.json', root), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
await writeFile(new URL('snapshot.schema.json', root), `${JSON.stringify(snapshotJsonSchema(), null, 2)}\n`);
process.stdout.write('wrote schema/snap.config.schema.json and schema/snapshot.schema.json\n');
