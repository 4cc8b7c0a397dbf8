/**
 * DuckDB behind HTTP, for the backends comparison: loads the CSV into an in-memory table the way
 * engines/duckdb.mjs does, then answers `GET /q/<Q1..Q6>` with the query's rows as JSON.
 *   PORT=… node http/duckdb-server.mjs <csv>
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createServer } from 'node:http';
import { QUERIES } from '../lib/queries.mjs';

const [csvPath] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', {
  threads: String(process.env.BENCH_DUCKDB_THREADS ?? 2),
});
const connection = await instance.connect();
await connection.run(
  `CREATE TABLE sales AS
     SELECT country, value, strptime(fecha, '%d/%m/%Y')::DATE AS fecha
     FROM read_csv('${csvPath.replaceAll("'", "''")}', header = true, delim = ',',
                   columns = {'country': 'VARCHAR', 'value': 'DOUBLE', 'fecha': 'VARCHAR'})`,
);
const byId = new Map(QUERIES.map((query) => [query.id, query.sql]));

createServer(async (req, res) => {
  const sql = byId.get(req.url.replace('/q/', ''));
  if (req.url === '/ready') {
    res.writeHead(200).end('ok');
    return;
  }
  if (!sql) {
    res.writeHead(404).end();
    return;
  }
  const reader = await connection.runAndReadAll(sql);
  const body = JSON.stringify(reader.getRowsJS(), (_, v) =>
    typeof v === 'bigint' ? Number(v) : v,
  );
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
