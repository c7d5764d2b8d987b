// A scraper in a process of its own, as a Prometheus is (see startScrapingProcess): arguments
// <intervalMs> <url>...; prints "ready" once scraping, scrapes until its stdin closes, then prints
// {"scrapes":n,"failures":n} and exits.
import { startScraping } from './scrape.js';

const [interval, ...urls] = process.argv.slice(2);
const scraper = startScraping(urls, Number(interval));
process.stdout.write('ready\n');
process.stdin.on('end', () => {
  void scraper.stop().then((counted) => process.stdout.write(`${JSON.stringify(counted)}\n`));
});
process.stdin.resume();
