import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARTIFACTS, photos } from './setup/paths.ts';
import { warpedPair } from './setup/warped.ts';

const stack = inject('stack');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ARTIFACTS, 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let context: BrowserContext;

async function newPage(viewport = DESKTOP): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  // Everything must come from this server: fail on any request to another origin (fonts, CDNs).
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (!['blob:', 'data:'].includes(u.protocol) && u.origin !== stack.baseUrl)
      throw new Error(`request to another origin: ${req.url()}`);
  });
  return page;
}

async function giveKey(page: Page) {
  await page.getByLabel(/needs an API key/).fill(stack.key);
  await page.getByRole('button', { name: 'Use key' }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

const naturalWidth = (page: Page, selector: string) =>
  page.locator(selector).evaluate(async (img: HTMLImageElement) => {
    await img.decode().catch(() => {});
    return img.naturalWidth;
  });

describe('web app in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `e2e: Chromium not found at ${CHROMIUM}. Install Debian's package with: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`,
      );
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-quic',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: DESKTOP });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  let resultUrl: string;

  it('uploads a photo, shows live status, then the result with heatmap, flow, a working before/after slider and the aids tabs', async () => {
    const page = await newPage();
    await page.goto(stack.baseUrl);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/reshaped/);
    await shot(page, 'home-desktop');
    await giveKey(page);
    const file = photos()[4]!;
    // The drop area's input; the "Have the original?" form below has file inputs of its own.
    await page.getByTestId('dropzone').locator('input[type=file]').setInputFiles(file);
    const row = page.getByTestId('file-row');
    await expect
      .poll(() => row.getAttribute('data-status'), { timeout: 20_000 })
      .toMatch(/uploading|queued|running|done/);
    const link = row.getByRole('link', { name: /View result/ });
    await link.waitFor({ timeout: 100_000 });
    await shot(page, 'upload-done-desktop');
    await link.click();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    resultUrl = page.url();
    expect(resultUrl).toMatch(/\/analyses\/a-[0-9a-f]{64}-[0-9a-f]{12}$/);
    await expect.poll(() => page.getByTestId('caveat').textContent()).toMatch(/does not say who did it or why/);
    expect(await page.getByTestId('face-card').count()).toBeGreaterThanOrEqual(0);
    // A JPEG upload: each face card reads the photo's JPEG history beside the warp score.
    if ((await page.getByTestId('face-card').count()) > 0)
      expect(await page.getByTestId('compression-break').first().textContent()).toMatch(
        /JPEG history \(no model\): \d+\.\d nats[\s\S]*keep the earlier save[\s\S]*own noise: -?\d+\.\d\d \(above 0 leans edited/,
      );

    // The photo, then the heatmap and flow views, each actually rendered.
    await page.getByTestId('view-photo').waitFor();
    const photoWidth = await naturalWidth(page, '[data-testid=view-photo]');
    expect(photoWidth).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Warp heatmap' }).click();
    await page.getByTestId('view-heatmap').waitFor();
    expect(await naturalWidth(page, '[data-testid=view-heatmap]')).toBeGreaterThan(0);
    await shot(page, 'result-heatmap-desktop');
    // Arrow keys move between the view tabs.
    await page.getByRole('tab', { name: 'Warp heatmap' }).press('ArrowRight');
    await page.getByTestId('view-flow').waitFor();
    // flow.png carries its colour-wheel legend on the right, so it is wider than the photo.
    expect(await naturalWidth(page, '[data-testid=view-flow]')).toBeGreaterThan(photoWidth);
    await shot(page, 'result-flow-desktop');
    // Where the score comes from: the window map over the photo, as wide as the photo (its legend row is below).
    await page.getByRole('tab', { name: 'Warp direction' }).press('ArrowRight');
    await page.getByTestId('view-evidence').waitFor();
    expect(await naturalWidth(page, '[data-testid=view-evidence]')).toBe(photoWidth);
    await expect.poll(() => page.locator('#viewer-panel .legend').textContent()).toMatch(/most suspicious window/);
    await shot(page, 'result-evidence-desktop');
    // A JPEG with a face: where its JPEG history breaks, block by block, as wide as the photo.
    if ((await page.getByTestId('face-card').count()) > 0) {
      await page.getByRole('tab', { name: 'Where it looked' }).press('ArrowRight');
      await page.getByTestId('view-history').waitFor();
      expect(await naturalWidth(page, '[data-testid=view-history]')).toBe(photoWidth);
      await expect.poll(() => page.getByTestId('history-legend').textContent()).toMatch(/earlier JPEG save/);
      await shot(page, 'result-history-desktop');
    }

    // Before/after: recovered image rendered, slider moved by keyboard and by pointer.
    await page.getByTestId('recovered-img').waitFor();
    expect(await naturalWidth(page, '[data-testid=recovered-img]')).toBeGreaterThan(0);
    const range = page.getByTestId('compare-range');
    expect(await range.inputValue()).toBe('50');
    await range.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    expect(await range.inputValue()).toBe('45');
    await page.keyboard.press('End');
    expect(await range.inputValue()).toBe('100');
    await page.getByTestId('compare').scrollIntoViewIfNeeded();
    const box = (await page.getByTestId('compare').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    expect(Number(await range.inputValue())).toBeGreaterThanOrEqual(18);
    expect(Number(await range.inputValue())).toBeLessThanOrEqual(22);

    // The forensic aids: a tab each, with its one-line how-to-read; the ELA and noise maps actually rendered.
    const aids = page.getByTestId('aids');
    await aids.scrollIntoViewIfNeeded();
    for (const [name, panel] of [
      ['Metadata', 'metadata'],
      ['Content Credentials', 'credentials'],
      ['Error level', 'ela'],
      ['Noise', 'noise'],
      ['JPEG', 'jpeg'],
    ] as const) {
      await aids.getByRole('tab', { name, exact: true }).click();
      await aids.getByTestId(`aid-panel-${panel}`).waitFor();
      expect(await aids.getByTestId('how-to-read').textContent(), name).toMatch(/^How to read this: .{40,}/);
      if (panel === 'ela' || panel === 'noise') {
        await page.getByTestId(`aid-${panel}`).waitFor();
        expect(await naturalWidth(page, `[data-testid=aid-${panel}]`), name).toBeGreaterThan(0);
      }
      await aids.screenshot({ path: path.join(SHOTS, `result-aids-${panel}-desktop.png`) });
    }
    // Keyboard, as in the view tabs: Home goes to the first tab, arrows move and wrap.
    await aids.getByRole('tab', { name: 'JPEG', exact: true }).press('Home');
    await aids.getByTestId('aid-panel-metadata').waitFor();
    await page.keyboard.press('ArrowLeft');
    await aids.getByTestId('aid-panel-jpeg').waitFor();
    await page.keyboard.press('ArrowLeft');
    await aids.getByTestId('aid-panel-noise').waitFor();
    await page.getByTestId('aid-noise').waitFor();
    expect(await naturalWidth(page, '[data-testid=aid-noise]')).toBeGreaterThan(0);
    await page.keyboard.press('ArrowLeft');
    await page.getByTestId('aid-ela').waitFor();
    expect(await naturalWidth(page, '[data-testid=aid-ela]')).toBeGreaterThan(0);
    expect(await aids.getByRole('tab', { name: 'Error level', exact: true }).getAttribute('aria-selected')).toBe(
      'true',
    );

    await page.getByRole('tab', { name: 'Photo' }).click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shot(page, 'result-aids-desktop');
    await aids.getByRole('tab', { name: 'Metadata', exact: true }).click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shot(page, 'result-desktop');
    await page.close();
  });

  it('fits a phone-width screen', async () => {
    const page = await newPage(PHONE);
    await page.goto(stack.baseUrl);
    await giveKey(page);
    await shot(page, 'home-phone');
    await page.goto(resultUrl);
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    await page.getByTestId('recovered-img').waitFor();
    expect(await naturalWidth(page, '[data-testid=recovered-img]')).toBeGreaterThan(0);
    // No sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'result-phone');
    await page.close();
  });

  it('finishes an upload by polling when its event stream ends before the job does (a proxy cut it)', async () => {
    const page = await newPage();
    // Every status stream closes at once, without an event: only polling can bring the row to done.
    await page.route('**/api/v1/analyses/*/events', (route) =>
      route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: '' }),
    );
    await page.goto(stack.baseUrl);
    await giveKey(page);
    // Mirrored, so its bytes are new and the job really queues (known bytes come back from the cache, done at once).
    const buffer = await sharp(photos()[1]!).flop().jpeg({ quality: 90 }).toBuffer();
    await page
      .getByTestId('dropzone')
      .locator('input[type=file]')
      .setInputFiles({ name: 'mirrored.jpg', mimeType: 'image/jpeg', buffer });
    const row = page.getByTestId('file-row');
    await row.getByRole('link', { name: /View result/ }).waitFor({ timeout: 100_000 });
    expect(await row.getAttribute('data-status')).toBe('done');
    await page.close();
  });

  it('maps the JPEG history of a photo cropped between two saves and says so', async () => {
    const page = await newPage();
    await page.goto(stack.baseUrl);
    await giveKey(page);
    // Saved at q75, cropped 3 px from the left and 5 from the top (off the 8 px grid), saved again at q90.
    const q75 = await sharp(photos()[2]!).jpeg({ quality: 75 }).toBuffer();
    const { width, height } = await sharp(q75).metadata();
    const buffer = await sharp(q75)
      .extract({ left: 3, top: 5, width: width! - 3, height: height! - 5 })
      .jpeg({ quality: 90 })
      .toBuffer();
    await page
      .getByTestId('dropzone')
      .locator('input[type=file]')
      .setInputFiles({ name: 'cropped.jpg', mimeType: 'image/jpeg', buffer });
    const link = page.getByTestId('file-row').getByRole('link', { name: /View result/ });
    await link.waitFor({ timeout: 100_000 });
    await link.click();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'JPEG history' }).click();
    await page.getByTestId('view-history').waitFor();
    await expect
      .poll(() => page.getByTestId('history-legend').textContent())
      .toMatch(/another 8x8 grid than its last \(its blocks start at 5, 3\): it was cropped between the two saves/);
    await shot(page, 'result-history-cropped-desktop');
    // The face card says its numbers read the save on the other grid, the one the map shows.
    expect(await page.getByTestId('history-shifted').first().textContent()).toMatch(
      /cropped between the saves\): these numbers read that save, on its own grid/,
    );
    await page.close();
  });

  it('takes several photos by drag and drop as a batch and shows the batch grid', async () => {
    const page = await newPage();
    await page.goto(stack.baseUrl);
    await giveKey(page);
    const files = [photos()[5]!, photos()[6]!, photos()[0]!].map((p) => ({
      name: path.basename(p),
      b64: readFileSync(p).toString('base64'),
    }));
    const dt = await page.evaluateHandle((list) => {
      const t = new DataTransfer();
      for (const f of list)
        t.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'image/jpeg' }));
      return t;
    }, files);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
    await expect.poll(() => page.getByTestId('file-row').count()).toBe(3);
    const overview = page.getByRole('link', { name: /batch overview/ });
    await overview.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('link', { name: /View result/ }).count(), { timeout: 100_000 }).toBe(3);
    await shot(page, 'upload-batch-desktop');
    await overview.click();
    await expect
      .poll(() => page.getByTestId('batch-progress').textContent(), { timeout: 30_000 })
      .toMatch(/^3 of 3 finished/);
    expect(await page.getByTestId('tile').count()).toBe(3);
    // Highest score first.
    const scores = (await page.locator('.tile-score').allTextContents()).map((s) => Number.parseInt(s, 10));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await expect
      .poll(
        () =>
          page
            .locator('.tile img')
            .evaluateAll(
              (imgs) =>
                imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length,
            ),
        { timeout: 20_000 },
      )
      .toBe(3);
    await shot(page, 'batch-desktop');
    await page.getByLabel('File name').fill(files[0]!.name.slice(0, 8));
    expect(await page.getByTestId('tile').count()).toBe(1);
    await page.getByLabel('File name').fill('');
    await page.setViewportSize(PHONE);
    await shot(page, 'batch-phone');
    await page.close();
  });

  it('compares an edited photo with its original from the home page and shows the measured warp', async () => {
    const pair = await warpedPair();
    const page = await newPage();
    await page.goto(stack.baseUrl);
    await giveKey(page);
    const form = page.getByTestId('compare-form');
    await form.getByRole('heading', { name: 'Have the original?' }).waitFor();
    await form
      .getByLabel('Edited photo')
      .setInputFiles({ name: 'edited.jpg', mimeType: 'image/jpeg', buffer: pair.edited });
    await form
      .getByLabel('Original photo')
      .setInputFiles({ name: 'original.jpg', mimeType: 'image/jpeg', buffer: pair.original });
    await shot(page, 'compare-form-desktop');
    await form.getByRole('button', { name: 'Compare the two photos' }).click();
    await page.waitForURL(/\/comparisons\/c-[0-9a-f]{64}$/, { timeout: 30_000 });
    const comparisonUrl = page.url();
    const summary = page.getByTestId('comparison-summary');
    await summary.waitFor({ timeout: 100_000 });

    // The numbers of the report, as the page words them.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/edited\.jpg against original\.jpg/);
    expect(Number.parseFloat((await page.getByTestId('max-displacement').textContent()) ?? '')).toBeGreaterThan(2);
    expect(await page.getByTestId('moved-share').textContent()).toMatch(/^\d+\.\d%$/);
    const psnrEdited = Number.parseFloat((await page.getByTestId('psnr-edited').textContent()) ?? '');
    const psnrRecovered = Number.parseFloat((await page.getByTestId('psnr-recovered').textContent()) ?? '');
    expect(psnrRecovered).toBeGreaterThan(psnrEdited);
    expect(await page.getByTestId('how-to-read').textContent()).toMatch(/measured, not predicted/);
    const regions = page.getByTestId('region-table');
    expect(await regions.count()).toBe(1);
    expect(await regions.getByRole('row', { name: /^Left eye \d/ }).textContent()).toMatch(/\d\.\d px/);

    // The heatmap, the flow colours and both sides of the slider actually rendered.
    for (const id of ['comparison-heatmap', 'comparison-flow', 'recovered-img']) {
      await page.getByTestId(id).waitFor();
      expect(await naturalWidth(page, `[data-testid=${id}]`), id).toBeGreaterThan(0);
    }
    const range = page.getByTestId('compare-range');
    await range.focus();
    await page.keyboard.press('Home');
    expect(await range.inputValue()).toBe('0');
    await page.keyboard.press('ArrowRight');
    expect(await range.inputValue()).toBe('1');
    await page.keyboard.press('End');
    expect(await page.getByRole('slider').getAttribute('aria-valuetext')).toBe('100% edited photo, 0% recovered');
    for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowLeft');
    expect(await range.inputValue()).toBe('50');
    expect(await page.getByRole('button', { name: 'Warp field (.flo)' }).isVisible()).toBe(true);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shot(page, 'comparison-desktop');

    await page.setViewportSize(PHONE);
    await page.reload();
    await summary.waitFor({ timeout: 30_000 });
    await page.getByTestId('recovered-img').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'comparison-phone');
    expect(page.url()).toBe(comparisonUrl);
    await page.close();
  });

  it('says clearly when the two photos are framed differently', async () => {
    const pair = await warpedPair();
    const page = await newPage();
    await page.goto(stack.baseUrl);
    await giveKey(page);
    const form = page.getByTestId('compare-form');
    await form
      .getByLabel('Edited photo')
      .setInputFiles({ name: 'crop.jpg', mimeType: 'image/jpeg', buffer: pair.cropped });
    await form
      .getByLabel('Original photo')
      .setInputFiles({ name: 'original.jpg', mimeType: 'image/jpeg', buffer: pair.original });
    await form.getByRole('button', { name: 'Compare the two photos' }).click();
    const error = page.getByTestId('comparison-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/cannot be compared.*framed differently/);
    await shot(page, 'comparison-framing-desktop');
    await page.close();
  });
});
