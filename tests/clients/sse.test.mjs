// graphql-sse, the client of GraphQL over Server-Sent Events (distinct connections mode), as a backend behind a
// proxy that drops WebSockets uses it: a query, a desk following its county's case events while a petitioner
// submits, and refusals before execution as results with coded errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-sse';
import { url, signIn } from './common.mjs';

const streamUrl = `${url}/stream`;

function client(token, language = 'en') {
  return createClient({
    url: streamUrl,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'accept-language': language },
    retryAttempts: 0,
  });
}

/** Every result of one operation, until it completes. */
async function results(c, payload) {
  const all = [];
  for await (const result of c.iterate(payload)) all.push(result);
  return all;
}

test('graphql-sse runs a query and follows a subscription', async () => {
  const clerk = await signIn('demo.clerk');
  const petitioner = await signIn('demo.petitioner');
  const desk = client(clerk);
  assert.deepEqual(await results(desk, { query: '{ me { username } }' }), [{ data: { me: { username: 'demo.clerk' } } }]);

  const events = desk.iterate({
    query: 'subscription Desk($j: String!) { caseEvents(jurisdictionCode: $j) { event { kind } case { id } } }',
    variables: { j: '510502' },
  });
  const first = events.next();
  await new Promise((r) => setTimeout(r, 800));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${petitioner}` },
    body: JSON.stringify({
      query: 'mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { case { id } } }',
      variables: { i: { jurisdictionCode: '510502', title: '街道积水', content: '雨后街道积水严重。',
        idempotencyKey: `sse-${Date.now()}` } },
    }),
  });
  const caseId = (await res.json()).data.submitPetition.case.id;
  let heard = (await first).value;
  while (heard.data.caseEvents.case.id !== caseId) heard = (await events.next()).value;
  assert.equal(heard.errors, undefined);
  assert.equal(heard.data.caseEvents.event.kind, 'SUBMITTED');
  await events.return();
  desk.dispose();
});

test('graphql-sse hands over refusals before execution as results with coded errors', async () => {
  const clerk = await signIn('demo.clerk');
  const [invalid] = await results(client(clerk), {
    query: 'subscription { caseEvents(jurisdictionCode: "510502") { nothingHere } }',
  });
  assert.equal(invalid.errors.length, 1);
  assert.equal(invalid.errors[0].extensions.code, 'BAD_USER_INPUT');

  const [anonymous] = await results(client(null, 'zh-CN'), {
    query: 'subscription { caseEvents(jurisdictionCode: "510502") { event { kind } } }',
  });
  assert.equal(anonymous.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.match(anonymous.errors[0].message, /[\u4e00-\u9fff]/);
});
