// Minimal: in-process PLC (mock DB) + one PDS (SQLite), no AppView.
// Prints one JSON line when ready and, when READY_FILE is set, writes it there too.
import { writeFileSync } from 'node:fs'
import { TestNetworkNoAppView } from '@atproto/dev-env'
const t0 = Date.now()
const net = await TestNetworkNoAppView.create({
  plc: { port: 2582 },
  pds: { port: 2583, hostname: 'localhost' },
})
const ready = JSON.stringify({ mode: 'pds-only', ready_ms: Date.now() - t0, plc: net.plc.url, pds: net.pds.url })
console.log(ready)
if (process.env.READY_FILE) writeFileSync(process.env.READY_FILE, ready + '\n')
const stop = async () => { try { await net.close() } finally { process.exit(0) } }
process.on('SIGTERM', stop); process.on('SIGINT', stop)
