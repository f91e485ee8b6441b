// Package e2e holds end-to-end tests that build and run the real ruche
// binary as a child process: crash safety (SIGKILL and SIGTERM during a burst
// of writes, on SQLite and, when RUCHE_TEST_POSTGRES is set, PostgreSQL).
// It has no code of its own; everything is in the _test.go files.
package e2e
