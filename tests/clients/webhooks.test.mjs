// Webhooks as an integrator checks them: deliveries verify with the Standard Webhooks reference library
// (`standardwebhooks`, unmodified), carry the feed position as their id, and a body changed on the way does not
// verify. The endpoint is a plain Node HTTP server; the petition is filed through the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { url, signIn } from './common.mjs';

async function call(token, query, variables) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

test('deliveries verify with the Standard Webhooks library', async () => {
  const received = [];
  const endpoint = createServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise((ready) => endpoint.listen(0, '127.0.0.1', ready));
  try {
    const admin = await signIn('demo.admin');
    const made = await call(
      admin,
      'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { id } } }',
      { i: { url: `http://127.0.0.1:${endpoint.address().port}/hook`, jurisdictionCode: '510502' } },
    );
    const webhook = new Webhook(made.createWebhook.secret);
    const petitioner = await signIn('demo.petitioner');
    const filed = await call(
      petitioner,
      'mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { reference case { id } } }',
      { i: { jurisdictionCode: '510502', title: '路灯不亮', content: '小区路灯不亮已一周。', idempotencyKey: 'webhook-node-1' } },
    );
    const caseId = filed.submitPetition.case.id;
    for (let i = 0; i < 200 && !received.some((r) => r.body.includes(caseId)); i++) {
      await new Promise((later) => setTimeout(later, 100));
    }
    const ours = received.filter((r) => r.body.includes(caseId));
    assert.ok(ours.length > 0, 'the endpoint heard of the petition');
    for (const { headers, body } of ours) {
      const payload = webhook.verify(body, headers);
      assert.equal(payload.type, `case.${payload.data.kind}`);
      assert.equal(payload.data.position, headers['webhook-id']);
      assert.equal(payload.data.caseId, caseId);
      assert.equal(payload.data.reference, filed.submitPetition.reference);
      assert.throws(() => webhook.verify(body.replace('"case.', '"case .'), headers), 'a changed body does not verify');
    }
  } finally {
    endpoint.close();
  }
});
