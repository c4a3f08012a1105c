"""Fault tests: PostgreSQL connections dropped, Redis gone, a read-only database for imports.

They run on this machine's real PostgreSQL (TEST_DATABASE_URL) and Redis, each bounded in
time, and print what the citizen saw. Redis is reached through a TCP proxy the test can cut
(the shared Redis itself is never stopped); PostgreSQL connections are terminated with
``pg_terminate_backend`` on the test's own databases only.
"""
