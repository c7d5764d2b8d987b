import { describe, expect, it } from 'vitest';
import { alternatingSides, median, metricsCostSummary, type MetricsCostRun } from './metrics-cost.js';

const run = (side: MetricsCostRun['side'], recordsPerSec: number): MetricsCostRun => ({ side, recordsPerSec, mbPerSec: 0, scrapes: 0, scrapeFailures: 0 });

describe('metrics-cost', () => {
  it('interleaves the sides, each pair starting with the other side than the last', () => {
    expect(alternatingSides(3)).toEqual(['scraped', 'unscraped', 'unscraped', 'scraped', 'scraped', 'unscraped']);
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reports the scraped median as a shortfall of the unscraped one, in percent', () => {
    const summary = metricsCostSummary([run('scraped', 970), run('unscraped', 1000), run('scraped', 900), run('unscraped', 1200), run('scraped', 990), run('unscraped', 990)]);
    expect(summary).toEqual({ scrapedMedianRecordsPerSec: 970, unscrapedMedianRecordsPerSec: 1000, costPercent: 3 });
  });
});
