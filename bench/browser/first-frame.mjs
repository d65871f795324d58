// bench/web.sh: opens the page in headless Chromium with a fresh profile (cold cache) and
// prints when the cockpit first published a state with the map drawn from the server's
// cube, in ms since navigation start (the cockpit stamps it with performance.now()).
//   node first-frame.mjs URL [RUNS]
import { chromium } from 'playwright-core';

const [url, runs = '3'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const times = [];
for (let run = 1; run <= Number(runs); run += 1) {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(url);
  const handle = await page.waitForFunction(() => {
    const state = window.cockpitState && JSON.parse(window.cockpitState);
    return state && state.ready && state.probes && Object.keys(state.map.values).length === 16 ? state : null;
  }, null, { timeout: 120_000, polling: 50 });
  const state = await handle.jsonValue();
  const load = await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
  times.push(state.since_page_load_ms);
  console.log(`run ${run}: first map with data at ${state.since_page_load_ms.toFixed(0)} ms after navigation start (page load event at ${load.toFixed(0)} ms; ${state.probes.length} regions coloured)`);
  // Where the time went: each download's start and end (resource timing, same clock).
  const downloads = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((r) => `${r.name.replace(location.origin, '')} ${r.startTime.toFixed(0)}→${r.responseEnd.toFixed(0)} ms`));
  console.log(`  downloads: ${downloads.join('; ')}`);
  await context.close();
}
times.sort((a, b) => a - b);
console.log(`first map frame: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, worst ${times.at(-1).toFixed(0)} ms over ${times.length} cold loads (target ≤ 5,000 ms)`);
await browser.close();
