// The load generator, in a process of its own (never the server's event loop): autocannon against one URL, printing
// one JSON line { rps, p50, p99, errors, non2xx, latency }. autocannon's own percentiles are whole milliseconds;
// `latency` holds percentiles of every 2xx response time as measured (fractions of a millisecond kept).
// Usage: node --import tsx bench/lib/load.ts <url> <seconds> <connections> [authorization header]
import autocannon from 'autocannon';

const [url, seconds, connections, authorization] = process.argv.slice(2);
const times: number[] = [];
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    { url: url!, duration: Number(seconds), connections: Number(connections), headers: authorization ? { authorization } : {} },
    (error, done) => (error ? reject(error) : resolve(done)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
  });
});
times.sort((a, b) => a - b);
// Nearest rank: the smallest time at or above which a fraction `q` of the responses fall.
const rank = (q: number) => times[Math.max(0, Math.ceil(q * times.length) - 1)] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    latency: { p50: rank(0.5), p99: rank(0.99), max: times.at(-1) ?? 0, count: times.length },
  })}\n`,
);
