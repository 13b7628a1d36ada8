#!/usr/bin/env node
// openapi-typescript's CLI, run from here so that its `import "typescript"` finds the TypeScript 5
// installed beside it (tools/openapi-typescript/node_modules), not the portal's TypeScript 7.
// openapi-typescript 7.13 needs TypeScript's JS API (ts.factory, the printer), which 7 no longer has.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = createRequire(import.meta.url).resolve('openapi-typescript/package.json');
await import(pathToFileURL(join(dirname(pkg), 'bin/cli.js')).href);
