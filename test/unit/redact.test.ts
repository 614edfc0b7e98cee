import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 as netIsIPv6 } from 'node:net';
import { isCardNumber, isIPv6, redact, redactText } from '../../src/core/log/redact';
import { redactRecord } from '../../src/core/run/run';
import type { RunRecord } from '../../src/core/log/runLog';

/** Real-looking personal data and secrets: each must be masked, and the words around it kept. */
const MASKED: [string, string][] = [
  ['mail ana.lopez+news@example.co.uk today', 'mail [EMAIL] today'],
  ['<j_doe@mail-server.example.com>', '<[EMAIL]>'],
  ['call +1 (415) 555-0134 now', 'call [PHONE] now'],
  ['call +44 20 7946 0958.', 'call [PHONE].'],
  ['tel: +33 6 12 34 56 78', 'tel: [PHONE]'],
  ['+4930901820', '[PHONE]'],
  ['(415) 555-0134', '[PHONE]'],
  ['415-555-0134 or 415.555.0134', '[PHONE] or [PHONE]'],
  ['appelez le 06 12 34 56 78', 'appelez le [PHONE]'],
  ['card 4111 1111 1111 1111 exp 12/28', 'card [CARD] exp 12/28'],
  ['4111-1111-1111-1111', '[CARD]'],
  ['5500005555555559', '[CARD]'],
  ['amex 3782 822463 10005', 'amex [CARD]'],
  ['from 192.168.1.20 to 10.0.0.1:8080', 'from [IP] to [IP]:8080'],
  ['1.2.3.4', '[IP]'],
  ['host 2001:db8:85a3::8a2e:370:7334 up', 'host [IP] up'],
  ['fe80::1ff:fe23:4567:890a%eth0', '[IP]'],
  ['::ffff:192.0.2.128', '[IP]'],
  ['OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z', 'OPENAI_API_KEY=[KEY]'],
  ['sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012345', '[KEY]'],
  ['aws AKIAIOSFODNN7EXAMPLE', 'aws [KEY]'],
  ['ghp_1234567890abcdefghijABCDEFGHIJ123456', '[KEY]'],
  ['slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'slack [KEY]'],
  ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'Authorization: Bearer [KEY]'],
  ['token: Bearer 4f9a1c2b7d3e8f6a0b5c9d2e', 'token: Bearer [KEY]'],
  ['AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', '[KEY]'],
  ['secret 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'secret [KEY]'],
  ['aws_secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret=[KEY]'],
];

/** Look-alikes that must stay as they are. */
const KEPT: string[] = [
  'version v1.2.3 and 1.2.3', 'release 2.10.4-beta.1', 'v1.2.3.4', '1.2.3.4.5',
  'on 2026-11-21 at 12:30:45', '2026-11-21T10:00:00.000Z', '21/11/2026', '12:30',
  'order #A-10293-77', 'order 2026-0042-1187', 'invoice INV-000123456',
  'ISBN 978-3-16-148410-0', 'ISBN 0-306-40615-2', '9783161484100',
  'price $1,299.99 or €12.50', '1,000,000 tokens', 'pi 3.14159265358979',
  'id 123e4567-e89b-12d3-a456-426614174000', 'std::vector<int> a::b', 'ratio 16:9, 4:3', 'MAC 00:1A:2B:3C:4D:5E',
  '4111 1111 1111 1112', '1234 5678 9012 3456', 'timestamp 1763701234567',
  'https://example.com/docs/Getting-Started/Installation/Overview', 'Pneumonoultramicroscopicsilicovolcanoconiosis',
  'supercalifragilisticexpialidociousSupercalifragilistic', 'user@localhost', 'an @mention and a #hashtag', 'sk-learn', 'bearer of bad news',
  'call me at 555 0134', '+1.5%', 'score +12 34',
];

test('personal data and secrets are masked', () => {
  for (const [input, expected] of MASKED) assert.equal(redactText(input), expected, input);
});

test('look-alikes stay', () => {
  for (const input of KEPT) assert.equal(redactText(input), input, input);
});

test('card numbers are checked with Luhn and a card prefix', () => {
  assert.equal(isCardNumber('4111111111111111'), true);
  assert.equal(isCardNumber('4111111111111112'), false);
  assert.equal(isCardNumber('9783161484100'), false);
  assert.equal(isCardNumber('378282246310005'), true);
});

test('redact walks arrays and plain objects, keeps keys and non-strings, and never mutates', () => {
  const value = { to: 'ana@example.com', n: 3, ok: true, none: null, list: ['ip 10.0.0.1', { deep: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z' }], 'ana@example.com': 'key' };
  const copy = structuredClone(value);
  assert.deepEqual(redact(value), { to: '[EMAIL]', n: 3, ok: true, none: null, list: ['ip [IP]', { deep: '[KEY]' }], 'ana@example.com': 'key' });
  assert.deepEqual(value, copy);
});

test('redactRecord masks inputs, messages, output, reasoning and tool arguments, and leaves the rest', () => {
  const record: RunRecord = {
    event: 'run', id: 'r', prompt: 'p', deployment: 'd', provider: 'openai', model: 'm', inputs: { email: 'ana@example.com', city: 'Lisbon' },
    messages: [{ role: 'user', content: 'My card is 4111 1111 1111 1111' }], parameters: { user: 'ana@example.com' }, output: 'Call +1 (415) 555-0134',
    finishReason: 'stop', usage: null, timing: { startedAt: '2026-11-21T10:00:00.000Z', ttftMs: 1, latencyMs: 2 }, status: 'ok',
    reasoning: 'the user ana@example.com', toolCalls: [{ id: 't', name: 'send', arguments: '{"to":"ana@example.com"}' }],
  };
  const masked = redactRecord(record);
  assert.deepEqual(masked.inputs, { email: '[EMAIL]', city: 'Lisbon' });
  assert.deepEqual(masked.maskedInputs, ['email'], 'the names of the inputs masking changed, for Re-run');
  assert.equal(redactRecord({ ...record, inputs: { city: 'Lisbon' } }).maskedInputs, undefined);
  assert.deepEqual(masked.messages, [{ role: 'user', content: 'My card is [CARD]' }]);
  assert.equal(masked.output, 'Call [PHONE]');
  assert.equal(masked.reasoning, 'the user [EMAIL]');
  assert.equal(masked.toolCalls?.[0]?.arguments, '{"to":"[EMAIL]"}');
  assert.deepEqual(masked.parameters, record.parameters);
  assert.equal(record.output, 'Call +1 (415) 555-0134');
});

test('isIPv6 (the WHATWG URL parser) agrees with net.isIPv6 on addresses without a zone id', () => {
  const cases = [
    '::', '::1', '1::', '2001:db8::1', '2001:0db8:0000:0000:0000:ff00:0042:8329', 'fe80::1ff:fe23:4567:890a', '::ffff:192.0.2.128',
    '64:ff9b::192.0.2.33', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', 'FFFF::ABCD', '1::2:3:4:5:6:7',
    // not addresses
    '', ':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', 'g::1', '::1.2.3', '::1.2.3.256', '1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.04', '[::1]', '::1]:80', '::1/64', '1:2', 'abc', '::1 ', ' ::1', '02001:db8::1',
  ];
  for (const text of cases) assert.equal(isIPv6(text), netIsIPv6(text), JSON.stringify(text));
});
