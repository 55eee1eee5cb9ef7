// The GraphQL-over-HTTP audits of the `graphql-http` package (the reference implementation of the
// specification): every MUST and every SHOULD holds. (MAYs are choices: this server answers request errors with
// 200 for `application/json`, as older clients expect, and with 400 for `application/graphql-response+json`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { url } from './common.mjs';

test('every MUST and SHOULD of GraphQL over HTTP holds', async () => {
  const failed = [];
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn();
    if (result.status !== 'ok' && !audit.name.startsWith('MAY')) {
      failed.push(`${result.status}: ${audit.name}: ${result.reason}`);
    }
  }
  assert.deepEqual(failed, []);
});
