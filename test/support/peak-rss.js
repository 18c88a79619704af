// Preloaded (--require) into an engine process by the memory tests: prints the process's peak
// resident set (VmHWM, as GNU time's %M) on stderr when it exits.
const { readFileSync } = require('node:fs');

process.on('exit', () => {
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  process.stderr.write(`peak-rss-kib ${kib}\n`);
});
