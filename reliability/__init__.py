"""Reliability checks of the production stack: load, faults and the processes' own instances of
PostgreSQL and Redis (see docs/reliability.md; `make reliability`)."""
