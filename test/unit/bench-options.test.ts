import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../bench/options.js';

test('only a complete bench run rewrites docs/benchmarks.md, unless --write-docs asks for it', () => {
  assert.equal(parseOptions([]).writeDocs, true);
  for (const partial of [['--quick'], ['--only=userinfo'], ['--no-postgres'], ['--no-growth'], ['--profile']]) {
    assert.equal(parseOptions(partial).writeDocs, false, partial.join(' '));
  }
  assert.equal(parseOptions(['--quick', '--only=userinfo', '--write-docs']).writeDocs, true);
});
