"""Reports from result files: ROI for a practice, strategy comparison, compliance audit (HTML, PDF)."""
