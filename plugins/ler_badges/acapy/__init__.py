"""ACA-Py wiring of ler_badges: suites, loader, issuance, status lists, verification."""
