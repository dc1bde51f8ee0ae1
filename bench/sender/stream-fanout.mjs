// Child process of bench/sender: streams an NDJSON file of subscriptions through fanOut (the built package,
// plain JavaScript so the numbers carry no loader overhead) and samples its own RSS, so the peak belongs to
// the fan-out alone. Prints one JSON line: the summary and the RSS peaks by 10%, 50% and 100% of the run.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fanOut } from '../../packages/webpush/dist/index.js';

const { file, ca, vapid, payload, concurrency } = JSON.parse(process.env.STREAM_INPUT ?? '{}');

async function* subscriptions(path) {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line) yield JSON.parse(line);
  }
}

const before = process.memoryUsage.rss();
const peaks = [0, 0, 0];
let done = 0;
let total = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  const fraction = total ? done / total : 0;
  for (const [i, upTo] of [0.1, 0.5, 1].entries()) if (fraction <= upTo) peaks[i] = Math.max(peaks[i], rss);
};
for await (const _ of createInterface({ input: createReadStream(file) })) total++;
const timer = setInterval(sample, 25);
const summary = await fanOut(subscriptions(file), payload, {
  http: { ca },
  concurrency,
  vapid: { keys: vapid, subject: 'mailto:bench@example.com' },
  onProgress: (p) => {
    done = p.total;
    sample();
  },
  progressIntervalMs: 25,
});
clearInterval(timer);
// Peaks are cumulative: "by 50%" includes the first 10%.
peaks[1] = Math.max(peaks[0], peaks[1]);
peaks[2] = Math.max(peaks[1], peaks[2]);
console.log(JSON.stringify({ ...summary, rss: [before, ...peaks] }));
