// Adding a deployment to a settings file keeps everything else as written: comments, the other deployments, the
// other settings, the line endings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { uniqueName, withDeployment } from '../../src/core/providers/deploymentSettings';

const SETTINGS = `// Workspace settings
{
  "editor.tabSize": 2, // keep
  "promptLab.deployments": {
    // the replay server
    "replay": { "provider": "openai-compatible", "baseURL": "http://127.0.0.1:18931/v1", "model": "replay/x" },
  },
}
`;

test('a new deployment is one inserted property: comments and the other entries stay', () => {
  const out = withDeployment(SETTINGS, 'local', { provider: 'ollama', model: 'llama3.2' });
  const value = parse(out) as Record<string, Record<string, unknown>>;
  assert.deepEqual(value['promptLab.deployments']?.local, { provider: 'ollama', model: 'llama3.2' });
  assert.deepEqual(Object.keys(value['promptLab.deployments'] ?? {}), ['replay', 'local']);
  for (const kept of ['// Workspace settings', '"editor.tabSize": 2, // keep', '// the replay server', '"replay": { "provider": "openai-compatible"']) {
    assert.ok(out.includes(kept), `${kept} is kept`);
  }
  // Only text was added.
  let i = 0;
  for (const ch of SETTINGS) {
    i = out.indexOf(ch, i);
    assert.notEqual(i, -1);
    i++;
  }
});

test('an empty or missing file gets the setting; a file without it gets it added', () => {
  for (const text of ['', '  \n', '{}', '{\n  "files.eol": "\\n"\n}\n']) {
    const out = withDeployment(text, 'openai', { provider: 'openai', model: 'gpt-4o-mini' });
    const value = parse(out) as Record<string, unknown>;
    assert.deepEqual(value['promptLab.deployments'], { openai: { provider: 'openai', model: 'gpt-4o-mini' } }, JSON.stringify(text));
  }
});

test('CRLF files stay CRLF', () => {
  const out = withDeployment(SETTINGS.replace(/\n/g, '\r\n'), 'local', { provider: 'vllm', model: 'qwen' });
  assert.equal(out.replace(/\r\n/g, '').includes('\n'), false);
});

test('an entry of the same name is replaced; a file that is not an object is refused untouched', () => {
  const out = withDeployment(SETTINGS, 'replay', { provider: 'ollama', model: 'm' });
  assert.deepEqual((parse(out) as Record<string, Record<string, unknown>>)['promptLab.deployments']?.replay, { provider: 'ollama', model: 'm' });
  assert.throws(() => withDeployment('[1, 2]', 'x', { provider: 'ollama' }), /JSON object/);
});

test('uniqueName adds a number when the name is taken', () => {
  assert.equal(uniqueName('ollama', []), 'ollama');
  assert.equal(uniqueName('ollama', ['ollama', 'ollama-2']), 'ollama-3');
});

test('a promptLab.deployments that is not an object is refused', () => {
  assert.throws(() => withDeployment('{ "promptLab.deployments": [] }', 'x', { provider: 'ollama' }), /not an object/);
});

test('the added entry is indented like its neighbours', () => {
  const out = withDeployment(SETTINGS, 'local', { provider: 'ollama', model: 'llama3.2' });
  assert.ok(out.includes('\n    "local": {\n      "provider": "ollama",\n      "model": "llama3.2"\n    }'), out);
});
