// docs/webhooks.md's receiver. Run it with:
//   LEDGER_WEBHOOK_SECRET=whsec_… PORT=4000 pnpm --filter @ledger/server exec tsx examples/webhook-receiver.ts
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.LEDGER_WEBHOOK_SECRET ?? '');
const seen = new Set<string>(); // use your database in production: ids repeat on retries

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  let event: { id: string; type: string; data: { object: { id?: string } } };
  try {
    // Checks the signature over the raw body and that the timestamp is within 5 minutes.
    event = webhook.verify(body, {
      'webhook-id': String(req.headers['webhook-id']),
      'webhook-timestamp': String(req.headers['webhook-timestamp']),
      'webhook-signature': String(req.headers['webhook-signature']),
    }) as typeof event;
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (!seen.has(event.id)) {
    seen.add(event.id);
    console.log(`${event.type} ${event.data.object.id ?? ''} (${event.id})`);
  }
  res.writeHead(204).end(); // any 2xx within 15 s; anything else is retried
});

server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on ${typeof address === 'object' ? address?.port : address}`);
});
