"""予防接種証明書 (COVID-19 vaccination certificate): eligibility, issuance, PDF, SMART Health Card.

Entry points for the certificate process and its screens live in
`handlers.certificate.issuance`; the pieces it composes are `eligibility`,
`vaccines` (product → CVX table), `shc` (SMART Health Card), `glyphs` (外字) and `pdf`.
"""
