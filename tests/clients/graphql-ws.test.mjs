// graphql-ws, the client of the graphql-transport-ws protocol, as a Node backend uses it with `ws`: a clerk's
// desk follows its county's case events live while a petitioner submits; a refused connection closes with the
// protocol's codes, which the client treats as final, and a refused operation is the protocol's `error` message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { url, wsUrl, signIn } from './common.mjs';

const EVENTS = 'subscription Desk($j: String!) { caseEvents(jurisdictionCode: $j) { event { kind } case { id } } }';

function client(token, extra = {}) {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    ...extra,
  });
}

/** The close event of a client that is refused, and the error its subscription got. */
function refusal(c) {
  return new Promise((resolve) => {
    c.on('closed', (event) => resolve({ code: event.code, reason: event.reason }));
  });
}

test('graphql-ws delivers the events of a case submitted meanwhile', async () => {
  const clerk = await signIn('demo.clerk');
  const petitioner = await signIn('demo.petitioner');
  const desk = client(clerk);
  const connected = new Promise((resolve) => desk.on('connected', resolve));
  const heard = [];
  const submitted = new Promise((resolve, reject) => {
    desk.subscribe({ query: EVENTS, variables: { j: '510502' } }, {
      next: (message) => {
        if (message.errors) return reject(new Error(JSON.stringify(message.errors)));
        heard.push(message.data.caseEvents);
        if (message.data.caseEvents.event.kind === 'SUBMITTED') resolve(message.data.caseEvents);
      },
      error: reject,
      complete: () => {},
    });
  });
  await connected;
  await new Promise((r) => setTimeout(r, 500));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${petitioner}` },
    body: JSON.stringify({
      query: 'mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { case { id } } }',
      variables: { i: { jurisdictionCode: '510502', title: '楼道照明损坏', content: '楼道照明损坏一月有余。',
        idempotencyKey: `ws-${Date.now()}` } },
    }),
  });
  const caseId = (await res.json()).data.submitPetition.case.id;
  const event = await submitted;
  assert.equal(event.case.id, caseId);
  await desk.dispose();
});

test('graphql-ws: a bad token closes with 4401; an invalid or eleventh subscription is an error, the rest go on', async () => {
  const stranger = client('not-a-token');
  const closed = await refusal(stranger);
  assert.equal(closed.code, 4401, closed.reason);
  await stranger.dispose();

  const clerk = await signIn('demo.clerk');
  const greedy = client(clerk);
  let closedWith = null;
  greedy.on('closed', (event) => { closedWith = event.code; });
  // Eleven at once: one of them (the server says which) gets the protocol's `error` message.
  const refused = new Promise((resolve) => {
    for (let n = 0; n <= 10; n++) {
      greedy.subscribe({ query: EVENTS, variables: { j: '510502' } }, {
        next: () => {},
        error: (errors) => resolve(errors),
        complete: () => {},
      });
    }
  });
  const errors = await refused;
  assert.equal(errors[0].extensions.code, 'RATE_LIMITED', JSON.stringify(errors));
  assert.match(errors[0].message, /subscriptions per connection/);
  // A subscription that does not validate: an error with its code, as over HTTP.
  const invalid = await new Promise((resolve) => {
    greedy.subscribe({ query: 'subscription { caseEvents(jurisdictionCode: 510502) { nothingHere } }' }, {
      next: () => resolve([]),
      error: (e) => resolve(e),
      complete: () => {},
    });
  });
  assert.ok(Array.isArray(invalid) && invalid.length > 0, JSON.stringify(invalid));
  assert.ok(invalid.every((e) => e.extensions.code === 'BAD_USER_INPUT'), JSON.stringify(invalid));
  assert.equal(closedWith, null, 'the connection and its ten subscriptions go on');
  await greedy.dispose();
});
