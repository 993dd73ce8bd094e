import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestEnv, type TestEnv } from '../helpers.js';
import type { Config } from '../../src/platform/config.js';

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screenshots');

export function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error('chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
}

export interface BrowserEnv {
  env: TestEnv;
  baseUrl: string;
  browser: Browser;
  close: () => Promise<void>;
}

/** The real server on a free port (built UI included) and a headless Debian chromium. */
export async function startBrowserEnv(overrides: Partial<Config> = {}): Promise<BrowserEnv> {
  const env = await createTestEnv(overrides);
  await env.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = env.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  // Links in mails point at this server.
  env.ctx.config.publicUrl = baseUrl;
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    env,
    baseUrl,
    browser,
    close: async () => {
      await browser.close();
      await env.close();
    },
  };
}

export async function newPage(b: BrowserEnv, locale = 'zh-CN'): Promise<Page> {
  const context = await b.browser.newContext({ locale, baseURL: b.baseUrl, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}
