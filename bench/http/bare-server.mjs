/**
 * Throughput baseline: a bare node:http server answering every request with the same
 * precomputed JSON body our service returns for the canonical query.
 *   PORT=… node http/bare-server.mjs <body.json>
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const body = readFileSync(process.argv[2]);
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': body.length,
};

createServer((req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(`bare server listening on ${process.env.PORT}`);
});
