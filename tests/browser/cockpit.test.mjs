// The web cockpit end to end: the real `analytics serve` on loopback with generated data,
// the WASM bundle (scripts/build-web.sh) in Debian's headless Chromium, driven by
// playwright-core. What the cockpit shows is read from `window.cockpitState`, the state
// snapshot it keeps up to date (cockpit/src/web.rs), and checked against the canvas.
//
//   ANALYTICS_BIN  the analytics binary (default: $CARGO_TARGET_DIR/debug/analytics)
//   WEB_DIST       the bundle (default: web/dist)
//   KEEP_SHOTS     a folder to keep the screenshots in

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const analytics = process.env.ANALYTICS_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug/analytics');
const webDist = resolve(root, process.env.WEB_DIST ?? 'web/dist');
const INGEST_TOKEN = 'browser-test-ingest-token-0123';
// winit leaves its event loop by throwing this on purpose; Bevy's web examples log it too.
const WINIT_CONTROL_FLOW = 'Using exceptions for control flow, don\'t mind me. This isn\'t actually an error!';
// Software WebGL2 renders a frame in ~0.3 s: generous limits, polled.
const READY_MS = 180_000;
const CHANGE_MS = 120_000;

const freePort = () => new Promise((done, fail) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => done(port));
  }).on('error', fail);
});

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function until(what, check, limitMs) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > limitMs) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** `analytics serve` on `addr`; resolves once /api/version answers. */
async function startServer(addr, input, data) {
  const child = spawn(analytics, ['serve', '--in', input, '--data', data, '--web', webDist, '--addr', addr], {
    env: { ...process.env, SZJY_TOKENS: `browser-test:ingest:${INGEST_TOKEN}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  await until('analytics serve to answer', async () => {
    if (exited !== null) throw new Error(`analytics serve exited with ${exited}`);
    try {
      return (await fetch(`http://${addr}/api/version`)).ok;
    } catch {
      return false;
    }
  }, 600_000);
  return child;
}

function stopServer(child) {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}

/** The colour at canvas pixel (x, y) of a PNG screenshot, as [r, g, b]. */
async function pixelAt(page, png, x, y) {
  return page.evaluate(async ({ data, x, y }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
  }, { data: png.toString('base64'), x, y });
}

const hexToRgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const near = (a, b, tolerance = 6) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

test('the web cockpit renders, drills down, switches topics, follows new data and survives the server going away', { timeout: 1_500_000 }, async (t) => {
  assert.ok(existsSync(analytics), `no analytics binary at ${analytics} (cargo build -p analytics)`);
  assert.ok(existsSync(join(webDist, 'index.html')), `no web bundle in ${webDist} (scripts/build-web.sh --profile wasm-ci)`);
  const work = mkdtempSync(join(tmpdir(), 'szjy-browser-'));
  const input = join(work, 'data');
  execFileSync(analytics, ['generate', '--scale', '60000', '--seed', '5', '--out', input, '--dirty-rate', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const addr = `127.0.0.1:${await freePort()}`;
  const base = `http://${addr}`;
  let server = await startServer(addr, input, join(work, 'server'));
  t.after(() => stopServer(server));

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox', '--disable-quic',
      '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes(WINIT_CONTROL_FLOW)) errors.push(message.text());
  });
  page.on('pageerror', (error) => {
    if (!String(error).includes(WINIT_CONTROL_FLOW)) errors.push(String(error));
  });
  let navigations = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) navigations += 1; });
  const shots = process.env.KEEP_SHOTS;
  if (shots) mkdirSync(shots, { recursive: true });
  const screenshot = async (name) => {
    const png = await page.screenshot();
    if (shots) writeFileSync(join(shots, `${name}.png`), png);
    return png;
  };

  const state = async () => {
    const text = await page.evaluate(() => window.cockpitState ?? null);
    return text && JSON.parse(text);
  };
  const settled = async (check, what, limitMs = CHANGE_MS) => {
    let last = null;
    try {
      return await until(what, async () => {
        last = await state();
        return last && last.ready && last.probes && check(last) ? last : null;
      }, limitMs);
    } catch (error) {
      await screenshot('timed-out');
      throw new Error(`${error.message}; the page's last state: ${JSON.stringify(last)}`);
    }
  };

  // The page loads, and the cockpit draws the province map from the server's cube.
  const started = Date.now();
  await page.goto(base);
  const navigationsAtLoad = navigations;
  // All 16 cities are on the map; those with a value (small cells are hidden) have a probe.
  let now = await settled((s) => s.region === 370000 && Object.keys(s.map.values).length === 16 && s.probes.length > 0, 'the province map', READY_MS);
  const coloured = Object.values(now.map.values).filter((v) => v != null).length;
  assert.ok(now.probes.length >= coloured - 2, `${now.probes.length} probes for ${coloured} coloured cities`);
  t.diagnostic(`first map with data ${Date.now() - started} ms after navigation (debug-speed wasm-ci build)`);
  assert.equal(now.data_version, (await (await fetch(`${base}/api/version`)).json()).data_version);
  assert.equal(await page.evaluate(() => document.getElementById('loading')), null, 'the loading indicator is gone');
  let png = await screenshot('1-province');
  const background = hexToRgb(now.background);
  let matching = 0;
  for (const probe of now.probes) {
    const pixel = await pixelAt(page, png, Math.round(probe.x / now.scale_factor), Math.round(probe.y / now.scale_factor));
    assert.ok(!near(pixel, background, 2), `city ${probe.adcode} at (${probe.x}, ${probe.y}) shows the background colour`);
    if (near(pixel, hexToRgb(probe.rgb))) matching += 1;
  }
  assert.ok(matching >= now.probes.length - 1, `${matching} of ${now.probes.length} cities show their class colour`);

  // A key switches the topic: 6 is the service-zone page, mapped by zone visits.
  await page.locator('canvas').focus();
  await page.keyboard.press('6');
  now = await settled((s) => s.topic === 'service_zones' && s.map.measure === 'zone_services', 'topic 6 after pressing 6');

  // A click on a city with visits drills down to its counties.
  const city = now.probes[0];
  assert.ok(city, 'a coloured city to click');
  await page.mouse.click(city.x / now.scale_factor, city.y / now.scale_factor);
  const inCity = (adcode) => Math.floor(adcode / 100) === city.adcode / 100;
  now = await settled((s) => s.region === city.adcode && s.probes.filter((p) => inCity(p.adcode)).length >= 2, `the drill-down to ${city.adcode}`);
  const beforeShot = await screenshot('2-city');

  // A batch of zone visits for the county with the fewest goes in through the ingest
  // endpoint (hidden cells stay hidden: a county without visits could be kept hidden by
  // complementary suppression); the page picks up the new version by itself, and the
  // county moves from the lowest class to the highest.
  const target = now.probes.reduce((low, p) => (now.map.values[p.adcode] < now.map.values[low.adcode] ? p : low)).adcode;
  const before = now.map.values[target];
  const beforeRgb = now.probes.find((p) => p.adcode === target).rgb;
  const month = now.month;
  const added = 3000;
  let csv = 'date,zone_id,county,function,channel,person_key\n';
  for (let i = 0; i < added; i += 1) {
    // Models tell people apart by the first 64 bits of their key: vary those.
    csv += `${month}-15,Z-BROWSER-TEST,${target},业务经办,线上,${(0xbeef0000 + i).toString(16).padStart(16, '0')}${'0'.repeat(16)}\n`;
  }
  const answer = await fetch(`${base}/api/ingest?source=service_transactions&name=browser-test.csv`, {
    method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'text/csv' }, body: csv,
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const report = await answer.json();
  const newVersion = (await (await fetch(`${base}/api/version`)).json()).data_version;
  now = await settled((s) => s.data_version === newVersion && s.region === city.adcode && s.month === month, 'the new cube version on the page');
  assert.equal(now.map.values[target], before + added, `county ${target}: ${before} + ${added} visits (ingest: ${JSON.stringify(report)})`);
  const probe = now.probes.find((p) => p.adcode === target);
  const afterShot = await screenshot('3-after-ingest');
  const [x, y] = [Math.round(probe.x / now.scale_factor), Math.round(probe.y / now.scale_factor)];
  const beforePixel = await pixelAt(page, beforeShot, x, y);
  const afterPixel = await pixelAt(page, afterShot, x, y);
  assert.ok(near(beforePixel, hexToRgb(beforeRgb)), `county ${target} showed its class colour ${beforeRgb} before: ${beforePixel}`);
  assert.ok(near(afterPixel, hexToRgb(probe.rgb)), `county ${target} shows its class colour ${probe.rgb}: ${afterPixel}`);
  assert.ok(!near(afterPixel, beforePixel), `county ${target} changed colour`);
  assert.equal(navigations, navigationsAtLoad, 'the page did not reload');
  assert.deepEqual(errors, [], 'no console errors while the server is up');

  // The server goes away: the last data stays, marked stale. It comes back: the page
  // recovers by itself (the client retries with backoff, at most 30 s apart).
  await stopServer(server);
  now = await until('the stale badge', async () => {
    const s = await state();
    return s && s.stale_since ? s : null;
  }, 90_000);
  assert.equal(now.data_version, newVersion, 'the last good data stays on screen');
  await screenshot('4-stale');
  server = await startServer(addr, input, join(work, 'server'));
  now = await until('the recovery', async () => {
    const s = await state();
    return s && !s.stale_since && s.data_version === newVersion ? s : null;
  }, 120_000);
  await screenshot('5-recovered');

  // A phone held upright: the map on top, one panel below it (the cockpit relays out
  // when the page resizes). Probes need room clear of labels, which a phone's small map
  // rarely has, so the map's area is checked instead: full width, above the panel, and
  // drawn (its centre is the drilled-down city, not the background).
  const phone = { width: 390, height: 844 };
  await page.setViewportSize(phone);
  now = await settled((s) => s.map_area[2] - s.map_area[0] <= phone.width, 'the phone layout');
  const [left, top, right, bottom] = now.map_area;
  assert.ok(right - left >= phone.width * 0.9, `the map spans the phone's width: ${now.map_area}`);
  assert.ok(bottom <= phone.height * 0.6 && bottom - top >= phone.height * 0.15, `the map sits above the panel: ${now.map_area}`);
  png = await screenshot('6-phone');
  const centre = await pixelAt(page, png, Math.round((left + right) / 2), Math.round((top + bottom) / 2));
  assert.ok(!near(centre, hexToRgb(now.background), 2), `the phone's map is drawn: ${centre} at its centre`);
  assert.equal(navigations, navigationsAtLoad, 'the page did not reload');
  // While the server was down Chromium reports each refused connection as a console error.
  const unexpected = errors.filter((e) => !/net::ERR_(CONNECTION_REFUSED|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING|CONNECTION_RESET)/.test(e));
  assert.deepEqual(unexpected, [], 'no console errors beyond the refused connections while the server was down');
});
