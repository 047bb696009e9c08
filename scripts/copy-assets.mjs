#!/usr/bin/env node
// tsc compiles src/ to dist/ but copies no other files: the hosted pages' templates and styles
// go along here, so that dist/http/pages.js finds them at ../ui/ as src/http/pages.ts does.
import { cpSync } from 'node:fs';

cpSync('src/ui/templates', 'dist/ui/templates', { recursive: true });
cpSync('src/ui/assets', 'dist/ui/assets', { recursive: true });
// The browser half of WebAuthn, served to the pages that register or use a passkey.
cpSync('node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', 'dist/ui/assets/simplewebauthn-browser.js');
