// The call for papers end to end in a real Chromium, against the demo data (`sbor seed`):
// Kate submits a talk to the conference with Tom as co-speaker, Tom accepts by the mailed
// link, Priya reviews it in anonymous mode, Lucas (organizer) accepts it, and Kate confirms
// from the decision mail. JavaScript is on (hydrated forms) throughout.
//
//   BASE_URL=http://127.0.0.1:3000 MAIL_DIR=<data dir>/outbox node talks.test.mjs

import {
  Flow,
  assert,
  hydratingPage,
  linkIn,
  logInByLink,
  mailMark,
  newPage,
  open,
  pathOf,
  runInBrowser,
  submitAndLoad,
  waitForMail,
} from './lib.mjs';

const KATE = 'kate.miller@example.org';
const TOM = 'tom.becker@example.org';
const PRIYA = 'priya.nair@example.org';
const LUCAS = 'lucas.martin@example.org';
const TITLE = `GitOps at 3 a.m. ${Date.now()}`;

/** A logged-in page in a context of its own (each person has their own cookies). */
async function personPage(browser, email, consoleErrors) {
  const page = await hydratingPage(browser, email, consoleErrors);
  await logInByLink(page, email);
  return page;
}

async function talkFlow(browser) {
  const f = new Flow('talks');
  const consoleErrors = [];
  let conference = null;
  let talkPath = null;
  // The newest mail before Lucas applies the decisions: Kate's acceptance comes after it.
  let acceptedMark = '';
  let kate;

  await f.step('Kate logs in with a mailed link and finds the open call for papers', async () => {
    kate = await personPage(browser, KATE, consoleErrors);
    f.page = kate;
    await open(kate, '/c/devops-moscow', { hydrate: false });
    conference = await kate.locator('main a', { hasText: 'DevOps Moscow Conf 2027' }).first().getAttribute('href');
    assert(conference, 'the conference is listed');
    await open(kate, conference);
    await kate.locator('a', { hasText: 'Submit a talk' }).click();
    await kate.waitForURL(/\/cfp$/);
  });

  await f.step('she submits a talk (hydrated form) and lands on its page, submitted', async () => {
    await kate.reload();
    await open(kate, pathOf(kate));
    await kate.fill('input[name="title"]', TITLE);
    await kate.fill('textarea[name="summary"]', 'How we stopped paging humans for drift.');
    await kate.fill('textarea[name="description"]', 'Argo CD, alerts that matter, and a **runbook** per alert.');
    await kate.fill('textarea[name="notes"]', 'SECRET-NOTE: can also do it in Russian.');
    await kate.selectOption('select[name="session_type_id"]', { label: 'Talk (40 min)' });
    await kate.selectOption('select[name="track_id"]', { label: 'Platform' });
    const lang = kate.locator('select[name="language"]');
    if ((await lang.count()) > 0) await lang.selectOption('en');
    const level = kate.locator('select[name="level"]');
    if ((await level.count()) > 0) await level.selectOption('intermediate');
    const submitted = await mailMark();
    await submitAndLoad(kate, kate.locator('button[name="intent"][value="submit"]'));
    assert(/^\/talks\/\d+$/.test(pathOf(kate)), `landed on ${kate.url()}`);
    talkPath = pathOf(kate);
    const body = (await kate.locator('main').textContent()) ?? '';
    assert(body.includes(TITLE) && /submitted/i.test(body), 'the talk page shows it submitted');
    const received = await waitForMail(KATE, { subject: /received/i, after: submitted });
    assert(received.text.includes(TITLE), `the receipt names the talk: ${received.subject}`);
  });

  await f.step('she invites Tom; Tom accepts with the mailed link and sees the talk', async () => {
    await open(kate, talkPath);
    await kate.fill('input[name="email"]', TOM);
    const invite = kate.locator('form', { has: kate.locator('input[name="email"]') }).locator('button[type="submit"]');
    const invited = await mailMark();
    await submitAndLoad(kate, invite);
    const mail = await waitForMail(TOM, { subject: /invit|co-?speaker/i, after: invited });
    const tom = await personPage(browser, TOM, consoleErrors);
    f.page = tom;
    await open(tom, linkIn(mail, '/invitations/talk?token='));
    await submitAndLoad(tom, tom.locator('main form button[type="submit"]'));
    await open(tom, '/talks', { hydrate: false });
    assert(((await tom.locator('main').textContent()) ?? '').includes(TITLE), 'the talk is in his "My talks"');
    await tom.context().close();
    f.page = kate;
  });

  await f.step('Priya reviews it anonymously: no speaker names, no notes; scores and submits', async () => {
    const priya = await personPage(browser, PRIYA, consoleErrors);
    f.page = priya;
    const eventId = conference.split('/').pop();
    await open(priya, `/e/${eventId}/review`);
    await priya.locator('main a', { hasText: TITLE }).click();
    await priya.waitForURL(/\/review\/\d+$/);
    await open(priya, pathOf(priya));
    const text = (await priya.locator('main').textContent()) ?? '';
    for (const hidden of ['Kate', 'Miller', 'Tom Becker', 'SECRET-NOTE']) {
      assert(!text.includes(hidden), `the anonymous review page shows "${hidden}"`);
    }
    const selects = priya.locator('select[name^="scores["]');
    const n = await selects.count();
    assert(n === 3, `three categories to score, found ${n}`);
    for (let i = 0; i < n; i++) await selects.nth(i).selectOption('4');
    await priya.fill('textarea[name="comment"]', 'Strong, practical.');
    await submitAndLoad(priya, priya.locator('button[name="intent"][value="submit"]'));
    await open(priya, pathOf(priya), { hydrate: false });
    const status = ((await priya.locator('main h2 .badge').first().textContent()) ?? '').trim();
    assert(/submitted/i.test(status), `the review's own status reads "${status}"`);
    await priya.context().close();
    f.page = kate;
  });

  await f.step('Lucas sees the score on the dashboard, stages "accept" and applies it', async () => {
    const lucas = await personPage(browser, LUCAS, consoleErrors);
    f.page = lucas;
    const eventId = conference.split('/').pop();
    await open(lucas, `/e/${eventId}/talks`);
    const row = lucas.locator('tr', { hasText: TITLE });
    const score = ((await row.locator('.score').textContent()) ?? '').trim();
    assert(score.startsWith('4'), `the weighted score is 4, shown "${score}"`);
    await submitAndLoad(lucas, row.locator('button', { hasText: /^Accept$/ }));
    await open(lucas, `/e/${eventId}/talks`);
    acceptedMark = await mailMark();
    await submitAndLoad(lucas, lucas.locator('main button', { hasText: /Apply/ }));
    await lucas.context().close();
    f.page = kate;
  });

  await f.step('Kate gets the acceptance mail, confirms, and the talk has a public page', async () => {
    const mail = await waitForMail(KATE, { subject: /accepted/i, after: acceptedMark });
    const link = linkIn(mail, '/talks/');
    await open(kate, link);
    await submitAndLoad(kate, kate.locator('main button', { hasText: /^Confirm/ }));
    await open(kate, talkPath, { hydrate: false });
    assert(/confirmed/i.test((await kate.locator('main').textContent()) ?? ''), 'the talk is confirmed');
    const id = talkPath.split('/').pop();
    const visitor = await browser.newContext({ javaScriptEnabled: false });
    const page = await newPage(visitor);
    await open(page, `/talk/${id}`, { hydrate: false });
    const text = (await page.locator('main').textContent()) ?? '';
    assert(text.includes(TITLE) && text.includes('Kate Miller') && text.includes('Tom Becker'), 'public page with both speakers');
    assert(!text.includes('SECRET-NOTE'), 'organizer notes stay private');
    await visitor.close();
  });

  await f.step('no console errors on any hydrated page of the flow', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
}

await runInBrowser(talkFlow);
