"""住基連携: the daily resident-registry file (docs/formats/residents.md) into Sesshu."""
