import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { ChatTemplate, loadChatTemplateSource, type ChatMessage } from './chatTemplate';
import { loadTokenizer, type TokenizerConfig } from './tokenizer';
import { testTempDir } from '../../../../test/tempDir';

interface TemplateFixture {
  conversations: Record<string, ChatMessage[]>;
  renderings: { template: string; conversation: string; addGenerationPrompt: boolean; kwargs: Record<string, unknown>; rendered: string }[];
}
// Renderings by transformers 5.18's processor apply_chat_template (generate.py in __fixtures__).
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/chat_templates.json', import.meta.url), 'utf8')) as TemplateFixture;
const fixtureTemplate = (name: string) => readFileSync(new URL(`./__fixtures__/${name}.jinja`, import.meta.url), 'utf8');

const tokenizer = loadTokenizer(TINY_CHECKPOINT_DIR);
const sources: Record<string, string> = {
  checkpoint: loadChatTemplateSource(TINY_CHECKPOINT_DIR, tokenizer.config),
  omni_style: fixtureTemplate('omni_style'),
  qwen3: fixtureTemplate('qwen3'),
};

describe('chat template rendering', () => {
  it.each(fixture.renderings.map((r) => [`${r.template} / ${r.conversation} / generation prompt ${r.addGenerationPrompt} ${JSON.stringify(r.kwargs)}`, r] as const))(
    '%s renders exactly as transformers',
    (_name, r) => {
      const template = new ChatTemplate(sources[r.template], tokenizer.specialTokensMap);
      const rendered = template.render(fixture.conversations[r.conversation], { addGenerationPrompt: r.addGenerationPrompt, kwargs: r.kwargs });
      expect(rendered).toBe(r.rendered);
    },
  );

  it('shows templates binary media as an opaque marker, paths as given', () => {
    const template = new ChatTemplate("{% for item in messages[0].content %}[{{ item[item.type] }}]{% endfor %}", {});
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'image', image: new Uint8Array(4) }, { type: 'audio', audio: new Float32Array(16000) }, { type: 'video', video: '/clips/a.mp4' }] },
    ];
    expect(template.render(messages)).toBe('[<image data>][<audio data>][/clips/a.mp4]');
  });
});

describe('chat template lookup', () => {
  const config = (chat_template?: TokenizerConfig['chat_template']) => ({ ...tokenizer.config, chat_template });
  const dirWith = (files: Record<string, string>) => {
    const dir = testTempDir('template');
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  };

  it('prefers chat_template.json, then chat_template.jinja, then tokenizer_config.json', () => {
    const both = dirWith({ 'chat_template.json': JSON.stringify({ chat_template: 'from json' }), 'chat_template.jinja': 'from jinja' });
    expect(loadChatTemplateSource(both, config('from tokenizer'))).toBe('from json');
    expect(loadChatTemplateSource(dirWith({ 'chat_template.jinja': 'from jinja' }), config('from tokenizer'))).toBe('from jinja');
    expect(loadChatTemplateSource(dirWith({}), config('from tokenizer'))).toBe('from tokenizer');
  });

  it('takes the "default" entry of a named template list', () => {
    const named = [{ name: 'tool_use', template: 'tools' }, { name: 'default', template: 'plain' }];
    expect(loadChatTemplateSource(dirWith({}), config(named))).toBe('plain');
  });

  it('names the places it looked when there is no template', () => {
    expect(() => loadChatTemplateSource(dirWith({}), config(undefined))).toThrow(
      /no chat template \(looked for chat_template.json, chat_template.jinja and tokenizer_config.json chat_template\)/,
    );
  });
});
