import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { shot, startPreviewSession, type PreviewSession } from './harness';

const text = (locator: Locator) => expect.poll(() => locator.innerText(), { timeout: 20_000 });

describe('conversations are kept, found, renamed, exported and deleted', () => {
  let session: PreviewSession;
  let page: Page;

  beforeAll(async () => {
    session = await startPreviewSession();
    page = await session.open({ colorScheme: 'light' });
  });
  afterAll(() => session?.close());

  const saved = () => page.getByRole('list', { name: 'Saved conversations' });
  const log = () => page.getByRole('log', { name: 'Messages' });
  const ask = async (question: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(question);
    await page.keyboard.press('Enter');
    // No model is installed, so every turn ends with main's explanation; the question is stored first.
    await text(log().getByRole('article', { name: 'Omnidesk' }).last()).toContain('No model installed');
  };

  it('saves each conversation under its first line as it is sent', async () => {
    await ask('Plan a weekend in Lisbon with two kids');
    await saved().getByRole('button', { name: /Plan a weekend in Lisbon with two kids/ }).waitFor();
    await page.getByRole('button', { name: 'New conversation' }).click();
    await text(log()).toContain('What can I help with?');
    await ask('A recipe for buckwheat pancakes');
    await text(saved()).toMatch(/^A recipe for buckwheat pancakes[\s\S]*Plan a weekend in Lisbon/);
    await expect.poll(() => saved().getByRole('listitem').count()).toBe(2);
  });

  it('still has both, with their messages, after the page is reloaded', async () => {
    await page.reload();
    await saved().getByRole('button', { name: /Plan a weekend/ }).click();
    await text(log().getByRole('article', { name: 'You' })).toBe('Plan a weekend in Lisbon with two kids');
    await text(log().getByRole('article', { name: 'Omnidesk' })).toContain('No Qwen3-Omni model is installed yet.');
    expect(await saved().getByRole('button', { name: /Plan a weekend/ }).getAttribute('aria-current')).toBe('true');
  });

  it('finds a conversation by a word prefix, marking the match', async () => {
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('buckw');
    const results = page.getByRole('list', { name: 'Search results' });
    await text(results).toContain('A recipe for buckwheat pancakes');
    expect(await results.locator('mark').first().innerText()).toBe('buckwheat');
    await shot(page, 'conversations-search-light');
    await search.fill('');
    await saved().waitFor();
  });

  it('renames the open conversation from the header, by keyboard', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename conversation' });
    await dialog.getByRole('textbox', { name: 'Conversation title' }).fill('Lisbon weekend');
    await page.keyboard.press('Enter');
    await saved().getByRole('button', { name: /^Lisbon weekend/ }).waitFor();
    await text(page.getByRole('main', { name: 'Conversation' }).locator('header')).toContain('Lisbon weekend');
  });

  it('exports it as Markdown and JSON into a folder of its own', async () => {
    await page.getByRole('button', { name: 'Export' }).click();
    await page.getByRole('dialog', { name: 'Export conversation' }).getByRole('button', { name: 'Export' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Exported 2 files' });
    await status.waitFor();
    const folder = await status.locator('code').innerText();
    expect(path.dirname(folder)).toBe(path.join(session.home, 'exports'));
    expect(readFileSync(path.join(folder, 'conversation.md'), 'utf8')).toMatch(/^# Lisbon weekend\n[\s\S]*## You · .*\n\nPlan a weekend in Lisbon with two kids\n/);
    const json = JSON.parse(readFileSync(path.join(folder, 'conversation.json'), 'utf8'));
    expect(json.messages.map((m: { role: string; status: string }) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
    ]);
    await shot(page, 'conversations-light');
    await page.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('deletes it after asking, and starts a new conversation in its place', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: /Delete “Lisbon weekend”\?/ });
    await text(dialog).toContain('Its 2 messages');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => saved().getByRole('listitem').count()).toBe(1);
    await text(log()).toContain('What can I help with?');
    await page.reload();
    await text(saved()).not.toContain('Lisbon');
  });

  it('looks right in dark mode', async () => {
    const dark = await session.open({ colorScheme: 'dark' });
    await dark.getByRole('list', { name: 'Saved conversations' }).getByRole('button', { name: /buckwheat/ }).click();
    await text(dark.getByRole('article', { name: 'You' })).toBe('A recipe for buckwheat pancakes');
    await shot(dark, 'conversations-dark');
    await dark.close();
    expect(existsSync(path.join(session.home, 'conversations.sqlite'))).toBe(true);
  });

  it('ran without console errors', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
