"""The one exception type certificate screens catch: its message is Japanese and shown as is."""


class CertificateError(Exception):
    """A certificate cannot be issued, printed or signed; `str(error)` says why, in Japanese."""
