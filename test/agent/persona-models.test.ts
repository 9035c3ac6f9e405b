import { describe, expect, it } from 'vitest';
import { FALLBACK_IDS, estimateCost, newestIds, parseModelId, resolveModel, sdkModelIds } from '../../src/agent/models.js';
import { defaultPersonaPath, loadAgentFile, parseAgentFile } from '../../src/agent/persona.js';
import { InputError } from '../../src/errors.js';

describe('agent files', () => {
  it('loads the bundled backend-architect persona', async () => {
    const agent = await loadAgentFile(defaultPersonaPath());
    expect(agent.name).toBe('backend-architect');
    expect(agent.model).toBe('sonnet');
    expect(agent.tools).toEqual(['Read', 'Grep', 'Glob']);
    expect(agent.description).toMatch(/service boundaries/);
    // Every section of the plan is asked for in the persona's response format.
    for (const section of ['Summary', 'Service boundaries', 'API design', 'Resilience and observability', 'Decisions', 'Recommendations', 'Follow-up'])
      expect(agent.prompt).toContain(`**${section}**`);
    expect(agent.prompt.startsWith('You are a senior backend architect')).toBe(true);
  });

  it.each([
    ['tools as a YAML list, model absent', '---\nname: x\ndescription: d\ntools: [Read, Bash]\n---\nbody\n', { model: 'inherit', tools: ['Read', 'Bash'], prompt: 'body' }],
    ['CRLF line ends and extra keys', '---\r\nname: x\r\ndescription: d\r\nmodel: opus\r\ncolor: blue\r\n---\r\nline one\r\nline two\r\n', { model: 'opus', tools: [], prompt: 'line one\nline two' }],
    ['a full model id', '---\nname: x\ndescription: d\nmodel: claude-opus-4-5-20251101\n---\nbody', { model: 'claude-opus-4-5-20251101' }],
  ])('parses %s', (_name, text, want) => {
    expect(parseAgentFile(text, 'a.md')).toMatchObject(want);
  });

  it.each([
    ['no frontmatter', '# just markdown\n', '', 'starts with YAML frontmatter'],
    ['malformed YAML, with its line', '---\nname: x\ndescription: [unclosed\n---\nbody', 'a.md:', 'malformed YAML frontmatter'],
    ['a bad name', '---\nname: Backend Architect\ndescription: d\n---\nbody', '$.name', 'kebab-case'],
    ['no description', '---\nname: x\n---\nbody', '$.description', ''],
    ['no prompt', '---\nname: x\ndescription: d\n---\n\n', '', 'no prompt'],
  ])('rejects %s', (_name, text, where, message) => {
    let err: unknown;
    try {
      parseAgentFile(text, 'a.md');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(where);
    expect((err as InputError).message).toContain(message);
    expect((err as InputError).exitCode).toBe(2);
  });
});

describe('models', () => {
  it("reads the installed SDK's Model type and maps each alias to the newest id", () => {
    const ids = sdkModelIds();
    expect(ids).toContain('claude-sonnet-5-5');
    expect(newestIds(ids)).toEqual(FALLBACK_IDS);
  });

  it.each([
    ['inherit', undefined, 'claude-sonnet-5-5'],
    ['sonnet', undefined, 'claude-sonnet-5-5'],
    ['sonnet', 'opus', 'claude-opus-5-5'],
    ['opus', 'haiku', 'claude-haiku-5-5'],
    ['haiku', 'claude-opus-4-5-20251101', 'claude-opus-4-5-20251101'],
    ['my-proxy/claude-custom', undefined, 'my-proxy/claude-custom'],
  ])('agent model %s with --model %s -> %s', (agent, flag, want) => {
    expect(resolveModel(agent, flag)).toBe(want);
  });

  it('picks by version, prefers the undated alias, ignores other families', () => {
    expect(
      newestIds(['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 'claude-sonnet-5', 'claude-sonnet-4-6', 'claude-opus-4-8', 'claude-opus-5', 'claude-haiku-4-5-20251001', 'claude-fable-9']),
    ).toEqual({ sonnet: 'claude-sonnet-5', opus: 'claude-opus-5', haiku: 'claude-haiku-4-5-20251001' });
    expect(parseModelId('claude-haiku-4-5-20251001')).toEqual({ family: 'haiku', major: 4, minor: 5, dated: true });
    expect(parseModelId('claude-mythos-5-1')).toBeUndefined();
  });

  it.each([
    ['claude-sonnet-5-5', { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 0, cacheWriteTokens: 0 }, 3],
    ['claude-opus-5-5', { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 }, 5.4],
    ['claude-haiku-4-5-20251001', { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 }, 6],
    ['claude-fable-5', { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }, undefined],
  ])('estimates the cost of %s', (model, usage, usd) => {
    expect(estimateCost(model, usage)).toBe(usd);
  });
});
