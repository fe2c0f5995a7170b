// The load generator, in a process of its own (never the server's event loop): autocannon against one URL, printing
// one JSON line { rps, p50, p99, errors, non2xx }.
// Usage: node --import tsx bench/lib/load.ts <url> <seconds> <connections> [authorization header]
import autocannon from 'autocannon';

const [url, seconds, connections, authorization] = process.argv.slice(2);
const result = await autocannon({
  url: url!,
  duration: Number(seconds),
  connections: Number(connections),
  headers: authorization ? { authorization } : {},
});
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
