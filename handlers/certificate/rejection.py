"""The rejection notice (予防接種証明書交付申請却下通知書) as an A4 PDF.

Sent or handed over when no certificate can be issued: it names the applicant, the
application date, the case number and the reason. Same built-in CID fonts as the
certificate (nothing embedded or downloaded); no 個人番号 field exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from handlers.certificate.glyphs import printable_text
from handlers.certificate.pdf import GOTHIC, LABEL, MINCHO, SMALL, SMALL_RIGHT, TITLE, VALUE
from models.wareki import format_wareki

TITLE_TEXT = "予防接種証明書交付申請却下通知書"
CENTER = ParagraphStyle("center", parent=VALUE, alignment=TA_CENTER)


@dataclass(frozen=True)
class RejectionNotice:
    case_no: str  # 案件番号, the notice's reference
    family_name: str
    given_name: str
    birth_date: date | None
    address: str | None
    application_date: date
    decided_on: date  # 通知日 (Japan time)
    reason: str
    issuer_name: str  # e.g. 石川県金沢市


def render_rejection_pdf(notice: RejectionNotice) -> bytes:
    for font in (MINCHO, GOTHIC):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = BytesIO()
    width = A4[0] - 36 * mm
    pdf = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
        topMargin=20 * mm, bottomMargin=20 * mm, title=TITLE_TEXT, author=notice.issuer_name,
    )
    name = f"{notice.family_name}\u3000{notice.given_name}".strip()
    rows = [
        ("申請者（接種を受けた方）", name or "（照会で特定できませんでした）"),
        ("生年月日", format_wareki(notice.birth_date) if notice.birth_date else "—"),
        ("住所", notice.address or "—"),
        ("申請日", format_wareki(notice.application_date)),
        ("案件番号", notice.case_no),
        ("却下の理由", notice.reason),
    ]
    story = [
        _paragraph(f"{format_wareki(notice.decided_on)}\n{notice.issuer_name}長", SMALL_RIGHT),
        Spacer(1, 12 * mm),
        _paragraph(TITLE_TEXT, TITLE),
        Spacer(1, 10 * mm),
        _paragraph(
            f"{format_wareki(notice.application_date)}付けで申請のあった新型コロナウイルス感染症"
            "予防接種証明書の交付については、下記の理由により交付できないことを通知します。",
            VALUE,
        ),
        Spacer(1, 6 * mm),
        _paragraph("記", CENTER),
        Spacer(1, 3 * mm),
        _table(rows, [50 * mm, width - 50 * mm]),
        Spacer(1, 8 * mm),
        _paragraph(
            "転入前に接種を受けた方は、接種時に住民票のあった市町村（接種券を発行した市町村）に"
            "申請してください。令和6年4月1日以降の接種については予防接種済証をご利用ください。",
            SMALL,
        ),
    ]
    pdf.build(story)
    return buffer.getvalue()


def _paragraph(text: str, style) -> Paragraph:
    """Printable text (外字 replaced as on the certificate); newlines become line breaks."""
    printable, _ = printable_text(text)
    return Paragraph(escape(printable).replace("\n", "<br/>"), style)


def _table(rows: list[tuple[str, str]], widths: list[float]) -> Table:
    return Table(
        [[_paragraph(label, LABEL), _paragraph(value, VALUE)] for label, value in rows],
        colWidths=widths,
        style=TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]),
    )
