import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { shot, startPreviewSession, type PreviewSession } from './harness';

const text = (locator: Locator) => expect.poll(() => locator.innerText(), { timeout: 20_000 });

describe('settings are changed by keyboard and mouse, saved, and kept across a reload', () => {
  let session: PreviewSession;
  let page: Page;

  beforeAll(async () => {
    session = await startPreviewSession();
    page = await session.open({ colorScheme: 'light' });
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('region', { name: 'Voice' }).waitFor();
  });
  afterAll(() => session?.close());

  const onDisk = () => JSON.parse(readFileSync(path.join(session.home, 'settings.json'), 'utf8'));
  const isDark = () => page.evaluate(() => document.documentElement.classList.contains('dark'));

  it('switches the theme at once, whatever the system prefers', async () => {
    const appearance = page.getByRole('region', { name: 'Appearance' });
    expect(await appearance.getByRole('radio', { name: 'System' }).isChecked()).toBe(true);
    expect(await isDark()).toBe(false);
    await appearance.getByRole('radio', { name: 'Dark' }).check();
    expect(await isDark()).toBe(true);
  });

  it('turns speech off, which disables the voice choice', async () => {
    const voice = page.getByRole('region', { name: 'Voice' });
    const speak = voice.getByRole('switch', { name: 'Speak replies' });
    expect(await speak.getAttribute('aria-checked')).toBe('true');
    await speak.click();
    expect(await speak.getAttribute('aria-checked')).toBe('false');
    expect(await voice.getByRole('combobox', { name: 'Voice' }).isDisabled()).toBe(true);
    expect(await voice.getByRole('combobox', { name: 'Voice' }).inputValue()).toBe('Ethan');
  });

  it('takes a system prompt and sampling set from the keyboard', async () => {
    const answers = page.getByRole('region', { name: 'Answers' });
    await answers.getByRole('textbox', { name: 'System prompt' }).fill('Answer in one short paragraph.');
    const temperature = answers.getByRole('slider', { name: 'Temperature' });
    await temperature.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await temperature.getAttribute('aria-valuetext')).toBe('0.70');
    await answers.getByRole('slider', { name: 'Top-k' }).focus();
    await page.keyboard.press('Home');
    await text(answers).toContain('off');
  });

  it('records the push-to-talk key, and a global hotkey only with a modifier once global push-to-talk is on', async () => {
    const ptt = page.getByRole('region', { name: 'Push to talk' });
    await ptt.getByRole('button', { name: 'Push-to-talk key: Space. Change' }).click();
    await page.keyboard.press('F8');
    await ptt.getByRole('button', { name: 'Push-to-talk key: F8. Change' }).waitFor();
    expect(await ptt.getByRole('switch', { name: 'Global push-to-talk' }).getAttribute('aria-checked')).toBe('false');
    await ptt.getByRole('switch', { name: 'Global push-to-talk' }).click();
    await ptt.getByRole('button', { name: 'Global hotkey: Ctrl+Shift+Space. Change' }).click();
    await page.keyboard.press('k');
    await text(ptt.getByRole('alert')).toContain('Hold Ctrl, Alt or Shift');
    await page.keyboard.press('Control+Shift+K');
    await ptt.getByRole('button', { name: 'Global hotkey: Ctrl+Shift+K. Change' }).waitFor();
  });

  it('writes every change to settings.json, and a reload shows them again', async () => {
    await expect
      .poll(() => onDisk(), { timeout: 5_000 })
      .toEqual({
        voice: { speaker: 'Ethan', speak: false },
        sampling: { temperature: 0.7, topP: 0.95, topK: 0, repetitionPenalty: 1, maxTokens: 1024 },
        systemPrompt: 'Answer in one short paragraph.',
        devices: { input: null, output: null },
        pushToTalk: { key: 'F8', globalHotkey: 'CommandOrControl+Shift+K' },
        theme: 'dark',
        remote: { servers: [], defaultBackend: 'local' },
        model: { loadAtStart: true },
      });
    await page.reload();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    expect(await page.getByRole('switch', { name: 'Speak replies' }).getAttribute('aria-checked')).toBe('false');
    expect(await page.getByRole('textbox', { name: 'System prompt' }).inputValue()).toBe('Answer in one short paragraph.');
    expect(await isDark()).toBe(true);
    await page.getByRole('button', { name: 'Push-to-talk key: F8. Change' }).waitFor();
    await shot(page, 'settings-dark-theme');
  });

  it('lists the microphones and speakers Chromium offers, by name', async () => {
    const devices = page.getByRole('region', { name: 'Audio devices' });
    const microphone = devices.getByRole('combobox', { name: 'Microphone' });
    await expect.poll(() => microphone.locator('option').count()).toBeGreaterThan(1);
    expect(await microphone.locator('option').first().innerText()).toBe('System default');
    const second = await microphone.locator('option').nth(1).getAttribute('value');
    await microphone.selectOption(second!);
    await expect.poll(() => onDisk().devices.input, { timeout: 5_000 }).toBe(second);
  });

  it('returns to light and to the system theme', async () => {
    await page.getByRole('radio', { name: 'Light' }).check();
    expect(await isDark()).toBe(false);
    await page.getByRole('region', { name: 'Voice' }).scrollIntoViewIfNeeded();
    await shot(page, 'settings-light');
    await page.getByRole('region', { name: 'Push to talk' }).scrollIntoViewIfNeeded();
    await shot(page, 'settings-keys-light');
    await page.getByRole('radio', { name: 'System' }).check();
  });

  it('ran without console errors', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
