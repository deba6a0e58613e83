"""Benchmarks: `make bench` runs each one, prints a table, writes JSON to bench/results/."""
