"""The benchmark (make bench): see bench/README.md. Never run by make test."""
