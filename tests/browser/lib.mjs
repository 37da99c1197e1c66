// What the browser tests share: launching Chromium, steps that report TAP-like lines, page
// helpers (hydration, form posts, console watching) and reading the server's .eml mails.

import { readdir, readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { join } from 'node:path';

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
export const MAIL_DIR = process.env.MAIL_DIR || '';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const STEP_TIMEOUT_MS = 10_000;
// A debug wasm is tens of megabytes; fetching and compiling it takes a while on a small machine.
export const HYDRATION_TIMEOUT_MS = 60_000;
export const MAIL_TIMEOUT_MS = 10_000;


// ---------------------------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;

/** Prints the totals and sets the exit code; call once at the end of a test file. */
export function summary() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

export function report(name, error) {
  if (!error) {
    passed += 1;
    console.log(`ok - ${name}`);
    return;
  }
  failed += 1;
  // Playwright errors carry a multi-line call log: first line on the result, the rest as notes.
  const text = String(error?.message ?? error).replace(/\x1b\[[0-9;]*m/g, ''); // no terminal colours
  const [first, ...rest] = text.split('\n');
  console.log(`not ok - ${name}: ${first}`);
  for (const line of rest.filter((l) => l.trim()).slice(0, 8)) console.log(`#   ${line}`);
}

/** A sequence of steps that depend on each other: after one fails, the rest are not tried. */
export class Flow {
  constructor(label) {
    this.label = label;
    this.blocked = null;
    this.page = null; // for the URL in failure notes
  }

  block(reason) {
    this.blocked ??= reason;
  }

  async step(name, fn) {
    const full = `${this.label}: ${name}`;
    if (this.blocked) {
      report(full, `not run, ${this.blocked}`);
      return;
    }
    try {
      await fn();
      report(full);
    } catch (e) {
      const where = this.page && !this.page.isClosed() ? `\n(page was at ${this.page.url()})` : '';
      report(full, `${e?.message ?? e}${where}`);
      this.blocked = `an earlier step failed (${name})`;
    }
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Marks the moment the page's wasm is instantiated plus one macrotask: the hydration script calls
// `hydrate()` in a promise continuation of wasm-bindgen's init, so by then the DOM is live.
// Leptos gives no hydration event of its own.
export const HYDRATION_PROBE = `(() => {
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    if (typeof original !== 'function') continue;
    WebAssembly[name] = function (...args) {
      const result = original.apply(this, args);
      result.then(() => setTimeout(() => { window.__sborHydrated = true; }, 0), () => {});
      return result;
    };
  }
})();`;

export const url = (path) => `${BASE_URL}${path}`;
export const pathOf = (page) => new URL(page.url()).pathname;

export async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return page;
}

export async function waitForHydration(page) {
  try {
    await page.waitForFunction(() => window.__sborHydrated === true, null, { timeout: HYDRATION_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`${page.url()} did not hydrate within ${HYDRATION_TIMEOUT_MS / 1000}s (${e.message.split('\n')[0]})`);
  }
}

/**
 * For waits armed before the action that triggers them: if the action fails first, the wait is
 * never awaited, and its later rejection must not crash the run.
 */
export function armed(promise) {
  promise.catch(() => {});
  return promise;
}

/** Loads `path` and, with JavaScript on, waits until the page is hydrated. */
export async function open(page, path, { hydrate = true } = {}) {
  const response = await page.goto(url(path));
  assert(response && response.ok(), `GET ${path} answered ${response?.status()}`);
  if (hydrate) await waitForHydration(page);
}

/** Clicks a submit button and waits for the next document to finish loading. */
export async function submitAndLoad(page, button) {
  const loaded = armed(page.waitForEvent('load'));
  await button.click();
  await loaded;
}

/** Collects console errors and uncaught exceptions; `allow` filters expected ones out. */
export function watchConsole(page, label, errors) {
  const allowed = [];
  const record = (text, where) => {
    if (/\/favicon\.[a-z]+$/.test(where)) return; // the browser asks for it whether we link it or not
    if (allowed.some((ok) => ok(text, where))) return;
    errors.push(`${label}: ${text}${where ? ` (${where})` : ''}`);
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') record(msg.text(), msg.location().url);
  });
  page.on('pageerror', (err) => record(`uncaught ${err.name}: ${err.message}`, ''));
  return {
    allow(predicate) {
      allowed.push(predicate);
    },
  };
}

export async function fillSignup(page, { name, email, password }) {
  await page.fill('input[name="display_name"]', name);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
}

export async function fillLogin(page, { email, password }) {
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
}

export const submitButton = (page) => page.locator('main form button[type="submit"]');

export async function expectUserInHeader(page, name) {
  const link = page.locator('header nav a.nav-user');
  await link.waitFor({ state: 'visible' });
  const text = (await link.textContent())?.trim();
  assert(text === name, `header shows "${text}", expected "${name}"`);
}

// ---------------------------------------------------------------------------------------------
// Mail: the server writes each mail as <MAIL_DIR>/<id>.eml (raw RFC 5322).

const HEADER_END = /\r?\n\r?\n/;

function splitMessage(raw) {
  const m = HEADER_END.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = new Map();
  // Unfold continuation lines first, then read `Name: value`.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function headerParam(value, param) {
  const m = new RegExp(`${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value || '');
  return m ? (m[1] ?? m[2]) : null;
}

function decodeBody(body, encoding) {
  switch ((encoding || '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const soft = body.replace(/=\r?\n/g, '');
      const bytes = [];
      for (let i = 0; i < soft.length; i++) {
        const hex = soft.slice(i + 1, i + 3);
        if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(soft[i], 'utf8'));
        }
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

/** The decoded text of the first part with this content type, descending into multiparts. */
export function findPart(raw, type) {
  const { headers, body } = splitMessage(raw);
  const contentType = headers.get('content-type') || 'text/plain';
  if (/^multipart\//i.test(contentType)) {
    const boundary = headerParam(contentType, 'boundary');
    if (!boundary) return null;
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const parts = body.split(new RegExp(`\\r?\\n?--${escaped}(?:--)?[ \\t]*\\r?\\n?`));
    for (const part of parts) {
      if (!part.trim()) continue;
      const found = findPart(part, type);
      if (found != null) return found;
    }
    return null;
  }
  if (!contentType.toLowerCase().startsWith(type)) return null;
  return decodeBody(body, headers.get('content-transfer-encoding'));
}

const mailCache = new Map(); // file name -> parsed mail; files are written once, by rename

async function readMail(file) {
  if (!mailCache.has(file)) {
    const raw = await readFile(join(MAIL_DIR, file), 'utf8');
    const { headers } = splitMessage(raw);
    mailCache.set(file, { to: headers.get('to') || '', subject: headers.get('subject') || '', raw });
  }
  return mailCache.get(file);
}

/**
 * The newest mail file in MAIL_DIR now (or '' when there is none): pass it as `after` to
 * [waitForMail] to ignore every mail already written (every mail queued later is accepted).
 * Test data directories are fresh, so ids only grow and fit the 8 digits of the names.
 */
export async function mailMark() {
  return (await mailFiles()).at(-1) ?? '';
}

/**
 * The mail files in MAIL_DIR, oldest first: names are zero-padded outbox ids, so sorting puts
 * them in the order they were queued. Skips the writer's `.<id>.eml.tmp` files.
 */
async function mailFiles() {
  return (await readdir(MAIL_DIR)).filter((f) => f.endsWith('.eml') && !f.startsWith('.')).sort();
}

/**
 * Polls MAIL_DIR for the newest mail to `address` (whose subject matches `subject`, when given)
 * and returns its decoded text part. With `after` (from [mailMark]) only later mails count:
 * the worker sends asynchronously, so without it an earlier mail of the same kind (a login link
 * used up by an earlier test) is found before the new one is written.
 */
export async function waitForMail(address, { subject = null, after = '' } = {}) {
  const deadline = Date.now() + MAIL_TIMEOUT_MS;
  const wanted = address.toLowerCase();
  for (;;) {
    // The newest (highest id) wins.
    const files = (await mailFiles()).filter((f) => f > after);
    for (const file of files.reverse()) {
      const mail = await readMail(file);
      const to = mail.to.toLowerCase();
      if ((to === wanted || to.includes(`<${wanted}>`)) && (!subject || subject.test(mail.subject))) {
        const text = findPart(mail.raw, 'text/plain') ?? findPart(mail.raw, 'text/html') ?? '';
        return { file, subject: mail.subject, text: text.replace(/&amp;/g, '&') };
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${address}${subject ? ` about ${subject}` : ''} in ${MAIL_DIR} after ${MAIL_TIMEOUT_MS / 1000}s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}


/** The first link in `mail`'s text that starts with BASE_URL + `pathPrefix`, as a path. */
export function linkIn(mail, pathPrefix) {
  const start = mail.text.indexOf(url(pathPrefix));
  assert(start >= 0, `no ${pathPrefix} link in the mail "${mail.subject}":\n${mail.text}`);
  const link = mail.text.slice(start).split(/\s/)[0];
  return link.slice(BASE_URL.length);
}

/** Logs `page`'s context in as `email` with a mailed login link, as a passwordless member does. */
export async function logInByLink(page, email) {
  await open(page, '/login/email', { hydrate: false });
  await page.fill('input[name="email"]', email);
  const mark = await mailMark();
  await submitAndLoad(page, submitButton(page));
  const mail = await waitForMail(email, { subject: /log ?in|вход/i, after: mark });
  await open(page, linkIn(mail, '/login/link?token='), { hydrate: false });
  // The page says up front when a link is used or expired; a refused link also leaves a
  // hydrated page where it is, with the reason in the form. Either way, say the reason.
  const why = async () => [...new Set(await page.locator('main .form-error').allTextContents())].join(' ').trim();
  const upFront = await why();
  assert(!upFront, `the login link is refused: "${upFront}" (${page.url()})`);
  const loaded = armed(page.waitForEvent('load'));
  await submitButton(page).click();
  try {
    await loaded;
  } catch (e) {
    const reason = await why();
    throw new Error(`the login link loaded no page${reason ? `: "${reason}"` : ''} (${e.message.split('\n')[0]})`);
  }
  if (pathOf(page) === '/login/link') {
    throw new Error(`still on the link page: "${await why()}" (${page.url()})`);
  }
}

/**
 * Launches Chromium, runs `flow(browser)`, closes the browser and prints the totals: the whole
 * life of a test file that needs no persistent profile.
 */
export async function runInBrowser(flow) {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  } catch (e) {
    report(`launch ${CHROMIUM}`, e);
    summary();
    return;
  }
  try {
    await flow(browser);
  } catch (e) {
    report('test harness', e); // a bug here, not in the app
  } finally {
    await browser.close().catch(() => {});
  }
  summary();
}

/** A page in a fresh context that reports hydration and records console errors as `label`. */
export async function hydratingPage(browser, label, consoleErrors, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  await context.addInitScript(HYDRATION_PROBE);
  const page = await newPage(context);
  watchConsole(page, label, consoleErrors);
  return page;
}
