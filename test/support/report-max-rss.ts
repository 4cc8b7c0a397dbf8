/*
 * Preloaded (`node -r`) into a process under test: on exit, whatever the cause, it writes the
 * process's peak resident set size as the kernel measured it (getrusage) as `max RSS <n> KiB`, so
 * a test can bound the memory a start-up used without sampling it from outside.
 */
process.on('exit', () => {
  process.stderr.write(`\nmax RSS ${process.resourceUsage().maxRSS} KiB\n`);
});
