// Browser checks of the event pages against the demo data (`sbor seed`, which scripts/test.sh
// runs before starting the server): what a visitor who is not logged in sees.
//
//   BASE_URL=http://127.0.0.1:3000 node events.test.mjs

import { chromium } from 'playwright-core';
import {
  CHROMIUM,
  Flow,
  HYDRATION_PROBE,
  LAUNCH_ARGS,
  assert,
  newPage,
  open,
  report,
  summary,
  watchConsole,
} from './lib.mjs';

/** The seeded meetups are in Europe/Moscow; this visitor's browser is in New York. */
const VISITOR_ZONE = 'America/New_York';

async function visitorSeesLocalTime(browser) {
  const f = new Flow('visitor');
  const context = await browser.newContext({ locale: 'en-US', timezoneId: VISITOR_ZONE });
  await context.addInitScript(HYDRATION_PROBE);
  const page = await newPage(context);
  f.page = page;
  const consoleErrors = [];
  watchConsole(page, 'visitor', consoleErrors);
  let eventPath = null;

  await f.step('the community page links its upcoming meetups', async () => {
    await open(page, '/c/devops-moscow', { hydrate: false });
    eventPath = await page.locator('main a[href^="/e/"]').first().getAttribute('href');
    assert(eventPath, 'no event link on /c/devops-moscow');
  });

  await f.step(`after hydration the start is also shown in the browser's zone (${VISITOR_ZONE})`, async () => {
    await open(page, eventPath);
    const local = page.locator('.local-time');
    await local.waitFor({ state: 'visible' });
    const text = (await local.textContent())?.trim() ?? '';
    assert(text.startsWith('Your time') && text.includes(VISITOR_ZONE), `the local time reads "${text}"`);
    const when = (await page.locator('.when').textContent()) ?? '';
    assert(/Moscow/.test(when), `the event's own zone stays first: "${when}"`);
  });

  await f.step('no console errors on the hydrated event page', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
  await context.close();

  const noJs = await browser.newContext({ javaScriptEnabled: false, locale: 'en-US', timezoneId: VISITOR_ZONE });
  const plain = await newPage(noJs);
  f.page = plain;
  await f.step('without JavaScript the page shows the event zone only, and nothing broken', async () => {
    await open(plain, eventPath, { hydrate: false });
    assert((await plain.locator('.local-time').count()) === 0, 'no local time without JavaScript');
    assert(/Moscow/.test((await plain.locator('.when').textContent()) ?? ''), 'the event time is there');
  });
  await noJs.close();
}

async function main() {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  } catch (e) {
    report(`launch ${CHROMIUM}`, e);
    return;
  }
  try {
    await visitorSeesLocalTime(browser);
  } catch (e) {
    report('test harness', e);
  } finally {
    await browser.close().catch(() => {});
  }
}

await main();
summary();
