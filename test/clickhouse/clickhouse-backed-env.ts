// Imported first by the suites that rerun API tests on ClickHouse: these settings must be in
// place before the rerun suites' modules read them.
process.env.E2E_DATA_BACKEND = 'clickhouse';
// Every valid fuzz probe is a ClickHouse query here; a twelfth of the in-memory run's count still
// sends each kind of hostile and valid probe many times.
process.env.FUZZ_RUNS ??= '1000';
// The crash test's uploads are several statements each on ClickHouse: at least 10 kills still,
// over 20 uploads instead of 50, keep its run near a minute on a busy machine.
process.env.CRASH_TEST_MIN_UPLOADS ??= '20';
