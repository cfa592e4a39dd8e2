"""The fan-out of a long film: plan, chunk jobs in parallel, count them, publish once."""
