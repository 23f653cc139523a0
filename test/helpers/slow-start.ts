// Preloaded into every node a test run starts (`NODE_OPTIONS=--import=.../slow-start.js`,
// which children inherit): each waits SMTPLIB_TEST_SLOW_START_MS before it runs its script,
// as a process does on a loaded machine (CI's two cores, busy) where starting node can take
// seconds. It shows deterministically which guard a slow start reaches: a child killed after
// a few seconds meant as "it hangs" (flag-file's 5 s for `bash -c "node ..."`). Not loaded by
// the suite itself; a reproduction tool:
//   SMTPLIB_TEST_SLOW_START_MS=6000 NODE_OPTIONS=--import=./build/test/helpers/slow-start.js \
//     node --test build/test/cli/flag-file.test.js
const ms = Number(process.env["SMTPLIB_TEST_SLOW_START_MS"] ?? 0);
if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
