"""予防接種健康被害救済 (injury-relief benefit claims): the domain actions the BPMN process
`relief_claim` names, plus what its screens use (access codes, letters, attachments,
the claimant status page).

Importing the package registers every operator (`relief/...`).
"""

from handlers.relief import amounts, claims, documents, review  # noqa: F401  (registers operators)
