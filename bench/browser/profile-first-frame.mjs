// Where the page's main thread spends the time to the first map: a CPU profile (Chrome
// DevTools Protocol) of one cold load, self time summed by function, top entries printed.
// Use a bundle with names (the `wasm-ci` profile keeps them; the release bundle strips).
//   node profile-first-frame.mjs URL [TOP]
import { chromium } from 'playwright-core';

const [url, top = '30'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
await cdp.send('Profiler.start');
await page.goto(url);
const handle = await page.waitForFunction(() => {
  const state = window.cockpitState && JSON.parse(window.cockpitState);
  return state && state.ready && state.probes && Object.keys(state.map.values).length === 16 ? state : null;
}, null, { timeout: 180_000, polling: 50 });
const state = await handle.jsonValue();
const { profile } = await cdp.send('Profiler.stop');
// Self time per node from the samples (timeDeltas are µs between samples).
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byName = new Map();
for (const node of profile.nodes) {
  const name = node.callFrame.functionName || `(${node.callFrame.url.split('/').pop() || 'anonymous'})`;
  byName.set(name, (byName.get(name) ?? 0) + (selfUs.get(node.id) ?? 0));
}
const total = [...byName.values()].reduce((a, b) => a + b, 0);
console.log(`first map at ${state.since_page_load_ms.toFixed(0)} ms; profiled ${(total / 1000).toFixed(0)} ms of main-thread samples`);
for (const [name, us] of [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)} %  ${name.slice(0, 150)}`);
}
await browser.close();
