/**
 * Load from a separate process for the shutdown test: autocannon (this project's
 * devDependency) against one URL, bounded in time, reporting what happened to every request
 * it sent: answers by status code, and failures by error code, so the test can tell a
 * refused connection (never accepted: the server had stopped listening) from a request that
 * was accepted and then lost (reset, hang up, timeout).
 *
 * usage: node load-client.mjs <url> <seconds> <connections>; prints one JSON line.
 */
import autocannon from 'autocannon';

const [url, seconds, connections] = process.argv.slice(2);
const byStatus = {};
const errorsByCode = {};
const instance = autocannon({ url, duration: Number(seconds), connections: Number(connections), timeout: 10 });
instance.on('response', (_client, status) => {
  byStatus[status] = (byStatus[status] ?? 0) + 1;
});
instance.on('reqError', (error) => {
  const code = error.code ?? error.message ?? 'unknown';
  errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
});
instance.on('done', (result) => {
  process.stdout.write(`${JSON.stringify({ byStatus, errorsByCode, timeouts: result.timeouts, total: result.requests.total })}\n`);
});
