import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = await mkdtemp(join(tmpdir(), 'pw-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, locale: 'en-US', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
try {
  const b = ctx.browser();
  const c2 = await b.newContext({ javaScriptEnabled: false });
  const p = await c2.newPage();
  p.on('console', m => console.log('console', m.type(), m.text(), m.location().url));
  await p.goto('http://127.0.0.1:45043/');
  console.log('ctx2 ok', await p.textContent('h1'));
  const p1 = await ctx.newPage();
  p1.on('console', m => console.log('console', m.type(), m.text(), m.location().url));
  await p1.goto('http://127.0.0.1:45043/');
  await p1.waitForTimeout(500);
} catch (e) { console.log('ERR', e.message); }
await ctx.close(); await rm(dir,{recursive:true,force:true});
