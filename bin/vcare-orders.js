#!/usr/bin/env node
// Launcher of the operator CLI (`npx vcare-orders`): src/cli/main.ts runs as TypeScript through
// Node's built-in type stripping (Node 22.18+, 23.6+, 24), so no build step is needed. The
// check is written for old Nodes too, so they print one clear line instead of a syntax error.
if (!process.features.typescript) {
  process.stderr.write(
    `vcare-orders: needs Node.js 24 (this is ${process.version}); ` +
      'run it as `npm exec -- vcare-orders …` or `npm run cli -- …` from the repository\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
