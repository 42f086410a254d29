"""個別通知: an A4 letter telling a 転入者 which doses remain, with the history on record.

Built with reportlab's built-in Japanese CID fonts (nothing embedded or downloaded);
text passes through the certificate's `printable_text`, so a 外字 prints as its
代用漢字. The letter names the person by name and address only: no 個人番号.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from handlers.certificate.glyphs import printable_text as _printable
from handlers.exchange.schedule import RemainingDose
from models.wareki import format_wareki

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"


@dataclass(frozen=True)
class NoticeDose:
    dose_number: int
    vaccinated_on: date
    product: str
    municipality: str  # where it was given (市町村コード)


@dataclass(frozen=True)
class Notice:
    issued_on: date
    issuer: str
    postal_code: str | None
    address: str
    name: str
    history: Sequence[NoticeDose]
    remaining: Sequence[RemainingDose]


def _style(size: float, font: str = MINCHO, **extra) -> ParagraphStyle:
    return ParagraphStyle(f"s{size}{font}", fontName=font, fontSize=size, leading=size * 1.5, **extra)


def printable_text(text: str) -> str:
    return _printable(text)[0]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable_text(text)).replace("\n", "<br/>"), style)


def notice_pdf(notice: Notice) -> bytes:
    for font in (MINCHO, GOTHIC):
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(font))
    body, small, title = _style(10.5), _style(9), _style(15, GOTHIC, alignment=1)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title="予防接種のお知らせ（個別通知）", author=notice.issuer,
    )
    postal = f"〒{notice.postal_code[:3]}-{notice.postal_code[3:]}\n" if notice.postal_code else ""
    story = [
        _p(f"{postal}{notice.address}\n{notice.name} 様", body),
        Spacer(1, 4 * mm),
        _p(f"{format_wareki(notice.issued_on)}\n{notice.issuer}", _style(10.5, alignment=2)),
        Spacer(1, 8 * mm),
        _p("予防接種のお知らせ（個別通知）", title),
        Spacer(1, 6 * mm),
        _p(
            "転入前の市区町村に照会した接種記録を本市の予防接種台帳に登録しました。"
            "記録と、これから受けられる予防接種をお知らせします。",
            body,
        ),
        Spacer(1, 5 * mm),
        _p("これから受けられる予防接種", _style(11.5, GOTHIC)),
    ]
    for dose in notice.remaining:
        story.append(_p(f"・{dose.label}（接種期間: {dose.period}）", body))
    story += [Spacer(1, 5 * mm), _p("接種記録", _style(11.5, GOTHIC))]
    rows = [["回数", "接種日", "ワクチン", "実施市区町村コード"]]
    rows += [
        [f"{d.dose_number}回目", format_wareki(d.vaccinated_on), printable_text(d.product), d.municipality]
        for d in notice.history
    ]
    if len(rows) == 1:
        rows.append(["—", "記録はありません", "", ""])
    table = Table(rows, colWidths=[20 * mm, 45 * mm, 70 * mm, 35 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), MINCHO),
        ("FONTNAME", (0, 0), (-1, 0), GOTHIC),
        ("FONTSIZE", (0, 0), (-1, -1), 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]))
    story += [
        table,
        Spacer(1, 6 * mm),
        _p(
            "記録に誤りがある場合や、お手元の接種済証と内容が異なる場合は、"
            "予防接種担当課までお問い合わせください。接種を受けるときは、本通知と"
            "本人確認書類をお持ちください。",
            small,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
