// The JavaScript quickstart snippets against the type definitions of the installed openid-client,
// oauth4webapi and jose: a function that is gone, renamed or called with the wrong arguments
// fails here, for every app type and client authentication method.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';
import { quickstartFor } from '../../src/contracts/quickstart.js';
import { appTypes } from '../../src/contracts/app-types.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const authMethods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

test('every JavaScript snippet type-checks against the libraries it imports', () => {
  const files = new Map<string, string>();
  for (const type of appTypes) {
    for (const method of authMethods) {
      const quickstart = quickstartFor('http://localhost:3000', {
        type,
        clientId: 'client',
        redirectUris: ['https://app.example.com/callback'],
        scopes: ['openid'],
        apiGrants: [{ audience: 'https://api.example.com', scopes: ['read:items'] }],
        grantTypes: [],
        tokenEndpointAuthMethod: method,
      });
      for (const snippet of quickstart.snippets.filter((candidate) => candidate.language === 'javascript')) {
        // currentUrl is the one name a snippet leaves to the app (the URL its callback was called at).
        files.set(`${root}quickstart-${type}-${method}-${snippet.id}.mjs`, `/** @type {URL} */\nlet currentUrl;\n${snippet.code}\nexport {};\n`);
      }
    }
  }
  assert.ok(files.size >= 10);
  const options: ts.CompilerOptions = {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) =>
    files.has(name) ? ts.createSourceFile(name, files.get(name)!, language) : getSourceFile(name, language, ...rest);
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([...files.keys()], options, host));
  const problems = diagnostics.map((diagnostic) => `${diagnostic.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  assert.deepEqual(problems, []);
});
