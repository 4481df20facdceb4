#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli by `npm run build` (and by `npm pack`, the `prepack` script).
import '../dist/src/cli/index.js';
