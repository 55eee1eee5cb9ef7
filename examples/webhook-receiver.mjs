// A tiny webhook receiver (README: Webhooks): verifies each POST as the Standard Webhooks specification says,
// stores the events it accepted (events.jsonl) and the feed position it reached (position.txt), and answers 204.
// A POST it has stored already (the same webhook-id, after a restart of either side) is answered 204 and not stored
// twice. Node 20, no packages:
//
//   WEBHOOK_SECRET=whsec_… PORT=8088 DATA_DIR=./received node examples/webhook-receiver.mjs
//
// With the position it reached, a receiver that was away can also ask the API itself:
// `events(after: "<position.txt>")` gives everything after it.
import { createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const secret = Buffer.from((process.env.WEBHOOK_SECRET ?? "").replace(/^whsec_/, ""), "base64");
const dir = process.env.DATA_DIR ?? "./received";
const tolerance = 5 * 60; // seconds, as the specification suggests
mkdirSync(dir, { recursive: true });
const positionFile = join(dir, "position.txt");
const seen = new Set(
  existsSync(join(dir, "events.jsonl"))
    ? readFileSync(join(dir, "events.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).id)
    : [],
);

/** Whether the headers sign the body with our secret (any of the space-separated `v1,` signatures). */
function verified(headers, body) {
  const id = headers["webhook-id"], timestamp = headers["webhook-timestamp"], signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures || secret.length === 0) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > tolerance) return false;
  const expected = createHmac("sha256", secret).update(`${id}.${timestamp}.`).update(body).digest();
  return signatures.split(" ").some((s) => {
    const [version, value] = s.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

createServer((request, response) => {
  const chunks = [];
  request.on("data", (c) => chunks.push(c));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    if (request.method !== "POST" || !verified(request.headers, body)) {
      response.writeHead(401).end();
      return;
    }
    const id = request.headers["webhook-id"];
    if (!seen.has(id)) {
      appendFileSync(join(dir, "events.jsonl"), JSON.stringify({ id, event: JSON.parse(body) }) + "\n");
      seen.add(id);
      // The position reached, replaced whole so that a crash never leaves half of it.
      writeFileSync(positionFile + ".new", id);
      renameSync(positionFile + ".new", positionFile);
    }
    response.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 8088), "127.0.0.1", function () {
  console.log(`listening on ${this.address().port}`);
});
