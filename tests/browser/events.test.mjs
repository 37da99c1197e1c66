// Browser checks of the event pages against the demo data (`sbor seed`, which scripts/test.sh
// runs before starting the server): what a visitor who is not logged in sees.
//
//   BASE_URL=http://127.0.0.1:3000 node events.test.mjs

import { Flow, assert, hydratingPage, newPage, open, runInBrowser } from './lib.mjs';

/** The seeded meetups are in Europe/Moscow; this visitor's browser is in New York. */
const VISITOR_ZONE = 'America/New_York';

async function visitorSeesLocalTime(browser) {
  const f = new Flow('visitor');
  const consoleErrors = [];
  const page = await hydratingPage(browser, 'visitor', consoleErrors, { timezoneId: VISITOR_ZONE });
  f.page = page;
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
  await page.context().close();

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

await runInBrowser(visitorSeesLocalTime);
