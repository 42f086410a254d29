"""予防接種証明書 (COVID-19 vaccination certificate): eligibility, issuance, PDF, SMART Health Card.

Entry points for the certificate process and its screens live in
`handlers.certificate.issuance`; the pieces it composes are `eligibility`,
`vaccines` (product → CVX / ICD-11 table), `shc` (SMART Health Card), `vds_nc` (ICAO
seal of the overseas version), `keyfiles` (signing keys), `glyphs` (外字) and `pdf`.
"""

# The process's service tasks register themselves as BPMN operators on import.
from handlers.certificate import tasks as _tasks  # noqa: F401
