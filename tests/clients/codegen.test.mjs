// GraphQL Code Generator from the live URL, as a TypeScript app starts: the schema by the standard introspection
// query over HTTP, types for the schema and for an operation, checked against the server's own schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { url } from './common.mjs';

test('codegen reads the schema from the live URL and types an operation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petition-codegen-'));
  try {
    const documents = join(dir, 'case.graphql');
    writeFileSync(documents, `
      query CaseCard($id: ID!) {
        case(id: $id) { id reference title status receivedAt jurisdiction { code name } }
      }
    `);
    const output = join(dir, 'generated.ts');
    // As the README's example: the service's scalars are strings on the wire (RFC 3339 instants, ISO days).
    await generate({
      schema: url,
      documents,
      generates: { [output]: {
        plugins: ['typescript', 'typescript-operations'],
        config: { scalars: { DateTime: 'string', NaiveDate: 'string', Upload: 'File' } },
      } },
      silent: true,
    }, true);
    const generated = readFileSync(output, 'utf8');
    assert.match(generated, /DateTime: \{ input: string; output: string; \}/);
    assert.match(generated, /NaiveDate: \{ input: string; output: string; \}/);
    assert.doesNotMatch(generated, /DateTime: \{ input: any; output: any; \}/);
    assert.match(generated, /export type CaseCardQuery = /);
    assert.match(generated, /export enum CaseStatus \{/);
    assert.match(generated, /export type Mutation = \{/);
    assert.match(generated, /submitPetition: IntakePayload/);
  } finally {
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  }
});
