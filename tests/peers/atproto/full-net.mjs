// Full local AT Protocol network: PLC + PDS + AppView (bsky) + bsync + Ozone. Needs Postgres + Redis.
// Prints one JSON line when ready and, when READY_FILE is set, writes it there too.
import { writeFileSync } from 'node:fs'
import { TestNetwork } from '@atproto/dev-env'
const t0 = Date.now()
const net = await TestNetwork.create({
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'dev',
  plc: { port: 2582 },
  pds: { port: 2583, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: 2584, publicUrl: 'http://localhost:2584' },
  ozone: { port: 2587, chatUrl: 'http://localhost:2590', chatDid: 'did:example:chat' },
})
const ready = JSON.stringify({ mode: 'full', ready_ms: Date.now() - t0, plc: net.plc.url, pds: net.pds.url, appview: net.bsky.url, ozone: net.ozone.url })
console.log(ready)
if (process.env.READY_FILE) writeFileSync(process.env.READY_FILE, ready + '\n')
const stop = async () => { try { await net.close() } finally { process.exit(0) } }
process.on('SIGTERM', stop); process.on('SIGINT', stop)
