"""Tests of the reports package: ROI, comparison and audit pages, as HTML and PDF."""
