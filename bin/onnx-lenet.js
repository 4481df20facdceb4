#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli by `npm install` (the `prepare` script) or `npm run build`.
import '../dist/src/cli/index.js';
