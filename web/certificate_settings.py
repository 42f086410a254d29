"""Certificate settings from the environment, checked at start-up.

SESSHU_SHC_ISSUER   SMART Health Card issuer URL (`iss`), without a trailing slash; its
                    public keys are served at <iss>/.well-known/jwks.json. Required in
                    production (https); development default http://127.0.0.1:5000
SESSHU_CERTIFICATE_ISSUER_NAME      発行自治体 as printed (default 石川県金沢市)
SESSHU_CERTIFICATE_ISSUER_NAME_EN   the same in English (default Kanazawa City, Ishikawa, Japan)

The signing keys are `instance/shc_issuer_key.json` (SMART Health Card) and
`instance/vdsnc_signer.pem` (ICAO VDS-NC key and certificate), created on first use.
Every host that issues certificates must hold the same files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from handlers.certificate.errors import CertificateError
from handlers.certificate.issuance import CertificateConfig
from handlers.certificate.shc import issuer_for, validate_issuer_url
from handlers.certificate.vds_nc import signer_for
from web.config import ConfigError, Settings

DEVELOPMENT_ISSUER = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class CertificateSettings:
    shc_issuer: str
    issuer_name: str
    issuer_name_en: str


def load_certificate_settings(
    environ: Mapping[str, str] | None, settings: Settings
) -> CertificateSettings:
    environ = os.environ if environ is None else environ
    issuer = environ.get("SESSHU_SHC_ISSUER", "").strip()
    if not issuer:
        if settings.is_production:
            raise ConfigError(
                "本番環境では SESSHU_SHC_ISSUER（接種証明書の二次元コード発行者 URL）を指定してください。"
            )
        issuer = DEVELOPMENT_ISSUER
    try:
        issuer = validate_issuer_url(issuer, require_https=settings.is_production)
    except CertificateError as exc:
        raise ConfigError(str(exc)) from exc
    return CertificateSettings(
        shc_issuer=issuer,
        issuer_name=environ.get("SESSHU_CERTIFICATE_ISSUER_NAME", "").strip() or "石川県金沢市",
        issuer_name_en=environ.get("SESSHU_CERTIFICATE_ISSUER_NAME_EN", "").strip()
        or "Kanazawa City, Ishikawa, Japan",
    )


def certificate_config() -> CertificateConfig:
    """The app's certificate configuration; the signing key is loaded (or created) once."""
    config = current_app.extensions.get("sesshu_certificate")
    if config is None:
        settings: Settings = current_app.config["SESSHU"]
        certificate: CertificateSettings = current_app.config["SESSHU_CERTIFICATE"]
        config = CertificateConfig(
            municipality_code=settings.municipality_code,
            issuer_name=certificate.issuer_name,
            issuer_name_en=certificate.issuer_name_en,
            shc=issuer_for(settings.instance_path, certificate.shc_issuer),
            vds_nc=signer_for(settings.instance_path, certificate.issuer_name_en),
        )
        current_app.extensions["sesshu_certificate"] = config
    return config
