import { readFileSync } from 'node:fs';
import { closedLoop, closeLoad } from './load.js';
const key = readFileSync('/tmp/key', 'utf8').trim();
const big = JSON.parse(process.env.BODY ?? 'null');
const body = big ?? { model: 'claude-sonnet-4-5', max_tokens: 1000, stream: process.env.STREAM === '1', messages: [{ role: 'user', content: process.env.TEXT ?? 'hi' }] };
const r = await closedLoop({ name: 'ccag', url: 'http://127.0.0.1:18912/v1/messages', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) }, Number(process.env.C ?? 8), { warmupSeconds: 1, seconds: Number(process.env.S ?? 10) });
console.log(JSON.stringify(r));
await closeLoad();
