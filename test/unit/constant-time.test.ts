import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { constantTimeEqual } from '../../src/shared/constant-time.js';
import { SecretHasher } from '../../src/shared/opaque-secret.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('constantTimeEqual', () => {
  test('equal strings are equal', () => {
    assert.equal(constantTimeEqual('lk_cs_abc123', 'lk_cs_abc123'), true);
    assert.equal(constantTimeEqual('é✓', 'é✓'), true);
  });

  test('strings of the same length that differ anywhere are not equal', () => {
    assert.equal(constantTimeEqual('abcdef', 'abcdeg'), false, 'last character');
    assert.equal(constantTimeEqual('abcdef', 'xbcdef'), false, 'first character');
    assert.equal(constantTimeEqual('abcdef', 'ABCDEF'), false, 'case');
  });

  test('strings of different lengths are not equal, whichever is longer', () => {
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('abcd', 'abc'), false);
    assert.equal(constantTimeEqual('e', 'é'), false, 'same number of characters, different number of UTF-8 bytes');
  });

  test('empty strings: equal to each other, not to anything else', () => {
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('', 'a'), false);
    assert.equal(constantTimeEqual('a', ''), false);
  });
});

describe('SecretHasher.matches', () => {
  const hasher = new SecretHasher(new Uint8Array(32).fill(7));

  test('matches the value it hashed and nothing else', () => {
    const hash = hasher.hash('lk_cs_the-real-secret');
    assert.equal(hasher.matches('lk_cs_the-real-secret', hash), true);
    assert.equal(hasher.matches('lk_cs_the-real-secreT', hash), false);
    assert.equal(hasher.matches('', hash), false);
    assert.equal(hasher.matches('lk_cs_the-real-secret', hash.slice(0, -1)), false, 'a truncated hash');
    assert.equal(hasher.matches('lk_cs_the-real-secret', ''), false, 'an empty hash');
  });

  test('is keyed: another key gives another hash', () => {
    const other = new SecretHasher(new Uint8Array(32).fill(8));
    assert.equal(other.matches('lk_cs_the-real-secret', hasher.hash('lk_cs_the-real-secret')), false);
  });
});

/*
 * Timing can not be asserted in a test, so these read the sources: every verification of a secret,
 * hash, CSRF token or PKCE verifier goes through constantTimeEqual (directly, or through
 * SecretHasher.matches), and no comparison with == or === has such a value on either side.
 */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

/** The text of every function, method or function-valued property of that name in the file. */
function bodiesOf(file: string, name: string): string[] {
  const bodies: string[] = [];
  walk(parse(file), (node) => {
    const named =
      (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name?.getText() === name
        ? node.body
        : (ts.isPropertyAssignment(node) || ts.isVariableDeclaration(node)) &&
            node.name.getText() === name &&
            node.initializer &&
            (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
          ? node.initializer.body
          : undefined;
    if (named) bodies.push(named.getText());
  });
  return bodies;
}

/** Names that hold secrets or values derived from them. */
const secretLike = /hash|csrf|secret|signature|verifier|challenge|digest|\bmac\b|password|binding/i;

function isTrivialOperand(expression: ts.Expression): boolean {
  return (
    expression.kind === ts.SyntaxKind.NullKeyword ||
    expression.kind === ts.SyntaxKind.TrueKeyword ||
    expression.kind === ts.SyntaxKind.FalseKeyword ||
    (ts.isIdentifier(expression) && expression.text === 'undefined') ||
    ts.isLiteralExpression(expression) ||
    ts.isNoSubstitutionTemplateLiteral(expression) ||
    ts.isTypeOfExpression(expression) ||
    ts.isPrefixUnaryExpression(expression) ||
    // Comparing sizes or tags of a value leaks nothing about its content.
    (ts.isPropertyAccessExpression(expression) && ['length', 'size', 'kind', 'type', 'code'].includes(expression.name.text))
  );
}

const equalityOperators = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** Comparisons with ==, ===, != or !== between two values, one of which has a secret-like name. */
function plainSecretComparisons(file: string, source = parse(file)): string[] {
  const found: string[] = [];
  walk(source, (node) => {
    if (!ts.isBinaryExpression(node) || !equalityOperators.has(node.operatorToken.kind)) return;
    const sides = [node.left, node.right];
    if (sides.some(isTrivialOperand) || !sides.some((side) => secretLike.test(side.getText()))) return;
    found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
  });
  return found;
}

describe('every secret is compared in constant time (read from the sources)', () => {
  const verifications: [string, string, RegExp, string][] = [
    [
      'src/shared/opaque-secret.ts',
      'matches',
      /constantTimeEqual\(this\.hash\(value\), hash\)/,
      'SecretHasher.matches compares keyed hashes with constantTimeEqual',
    ],
    [
      'src/runtime/directories.ts',
      'verifySecret',
      /\.matches\(secret, candidate\.hash\)/,
      'client secret verification (token endpoint, cached) uses SecretHasher.matches',
    ],
    [
      'src/domain/apps/app-service.ts',
      'verifySecret',
      /\.matches\(secret, candidate\.hash\)/,
      'client secret verification (registry) uses SecretHasher.matches',
    ],
    ['src/ui/csrf.ts', 'csrfValid', /constantTimeEqual\(/, 'the CSRF check of the sign-in, consent and device forms'],
    ['src/protocol/interaction/engine.ts', 'details', /\.matches\(binding, record\.browserHash\)/, "the interaction's browser binding"],
    ['src/protocol/endpoints/end-session-endpoint.ts', 'handleEndSessionConfirm', /constantTimeEqual\(csrf, /, 'the CSRF check of the sign-out confirmation'],
    [
      'src/protocol/grants/authorization-code.ts',
      'checkVerifier',
      /constantTimeEqual\(s256\(verifier\), grant\.codeChallenge\)/,
      'the PKCE verifier (RFC 7636 §4.6)',
    ],
    ['src/protocol/tokens/refresh-family.ts', 'refreshFamilyFacts', /\.matches\(secret, grant\.refreshHash\)/, 'the refresh token at the token endpoint'],
    [
      'src/protocol/tokens/token-validator.ts',
      'refreshToken',
      /\.matches\(parsed\.secret, grant\.refreshHash\)/,
      'the refresh token at introspection and revocation',
    ],
    ['src/protocol/tokens/refresh-token.ts', 'isFamilyMember', /constantTimeEqual\(taggedSecret\(/, 'a rotated-out refresh token (reuse detection)'],
  ];
  for (const [file, name, call, what] of verifications) {
    test(`${what}: ${file} ${name}`, () => {
      const bodies = bodiesOf(file, name);
      assert.ok(bodies.length > 0, `${name} is not in ${file} any more: update this list to where the check moved`);
      assert.ok(
        bodies.some((body) => call.test(body)),
        `${name} in ${file} must verify with ${call}`,
      );
      for (const body of bodies) assert.doesNotMatch(body, /timingSafeEqual|\.equals\(|localeCompare/, 'only through constantTimeEqual');
    });
  }

  test("the console's CSRF token and sign-in cookie are checked with constantTimeEqual", () => {
    const file = 'src/http/routes/console.ts';
    const source = parse(file);
    const unchecked: string[] = [];
    walk(source, (node) => {
      if (!ts.isPropertyAccessExpression(node) || node.name.text !== 'csrfToken') return;
      // Handing the token to the console (`csrfToken: loaded.session.csrfToken`) is not a check.
      if (ts.isPropertyAssignment(node.parent) && node.parent.initializer === node) return;
      const call = node.parent;
      if (!(ts.isCallExpression(call) && call.expression.getText() === 'constantTimeEqual')) unchecked.push(node.parent.getText());
    });
    assert.deepEqual(unchecked, []);
    assert.match(source.getText(), /constantTimeEqual\(raw\.slice\(dot \+ 1\), sign\(payload\)\)/, 'the signed flow cookie');
  });

  test('the helper itself uses crypto.timingSafeEqual, also when the lengths differ', () => {
    const body = bodiesOf('src/shared/constant-time.ts', 'constantTimeEqual').join('\n');
    assert.equal(body.match(/timingSafeEqual\(/g)?.length, 2, 'one comparison for a length mismatch, one for the content');
    assert.deepEqual(plainSecretComparisons('src/shared/constant-time.ts'), []);
  });

  test('no source compares a secret, hash, CSRF token or verifier with == or ===', () => {
    const found = sourceFiles(join(root, 'src')).flatMap((path) => plainSecretComparisons(relative(root, path)));
    assert.deepEqual(found, []);
  });

  test('the scan finds such a comparison when there is one', () => {
    const planted = ts.createSourceFile(
      'planted.ts',
      'function matches(value: string, hash: string) { return this.hash(value) === hash; }\nif (presented !== loaded.csrf) fail();\nif (secret.length !== 43 || hash === null) fail();',
      ts.ScriptTarget.Latest,
      true,
    );
    assert.deepEqual(plainSecretComparisons('planted.ts', planted), ['planted.ts:1: this.hash(value) === hash', 'planted.ts:2: presented !== loaded.csrf']);
  });
});
