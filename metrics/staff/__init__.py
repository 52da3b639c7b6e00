"""Per-staff monthly hours from the IC-card system, and what is built on them.

Pure arithmetic (no Django): `caps` (the national overtime caps), `bands` (the MEXT survey bands),
`derive` (school-month counts from staff rows), `forecast` (year-end forecasts), `demo` (demo rows).
With Django: `imports` (CSV → rows), `services` (queries, reconciliation, tables), `xlsx`, `forecasts`
(the dashboard's forecast hook), `demo_loader`.
"""
