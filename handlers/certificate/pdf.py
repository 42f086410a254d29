"""The certificate as an A4 PDF, laid out like a municipal 接種証明書.

Fonts are reportlab's built-in Japanese CID fonts (HeiseiMin-W3, HeiseiKakuGo-W5):
nothing is embedded or downloaded, and every string passes through
`glyphs.printable_text` first so a 外字 prints as its 代用漢字 (or 〓) instead of failing.
The SMART Health Card QR code (and, on the overseas version, the ICAO VDS-NC seal)
is drawn as vector rectangles. The document model has no
field for the 個人番号, so it cannot be printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from handlers.certificate.eligibility import Passport
from handlers.certificate.glyphs import printable_text
from handlers.certificate.shc import qr_code
from handlers.certificate.vds_nc import qr_code as vds_nc_qr_code
from models.wareki import format_wareki

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
QR_SIZE = 42 * mm  # the SHC spec aims at codes usable at 40 mm × 40 mm
VDS_QR_SIZE = 46 * mm  # the seal is larger (about version 30)
LABEL_WIDTH = 62 * mm
QR_QUIET_ZONE = 4  # modules

QR_CAPTION = (
    "SMART Health Card\n"
    "上記の接種記録を発行者の電子署名付きで記録した二次元コードです。\n"
    "The vaccination record above, signed by the issuer."
)
VDS_CAPTION = (
    "ICAO VDS-NC\n"
    "旅券情報と接種記録を記録した国際標準の二次元コードです。\n"
    "Visible Digital Seal: passport data and vaccination record, signed."
)

_fonts_registered = False


@dataclass(frozen=True)
class PrintedDose:
    dose_number: int  # 接種回数
    vaccinated_on: date
    product_name: str  # 販売名
    manufacturer: str
    product_name_en: str
    manufacturer_en: str
    lot_no: str


@dataclass(frozen=True)
class CertificateDocument:
    """Everything the certificate shows; built from an issuance record."""

    certificate_no: str
    overseas: bool
    family_name: str
    given_name: str
    birth_date: date
    doses: list[PrintedDose]
    latest_five_note: str | None
    issuer_name: str  # 発行自治体, e.g. 石川県金沢市
    issuer_name_en: str
    issued_on: date  # 発行日 (Japan time)
    shc_jws: str
    passport: Passport | None = None
    vds_nc: str | None = None  # overseas only: the signed ICAO seal


def render_pdf(document: CertificateDocument) -> bytes:
    _register_fonts()
    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title="新型コロナワクチン接種証明書 / Vaccination Certificate of COVID-19",
        author=document.issuer_name,
    )
    pdf.build(_story(document))
    return buffer.getvalue()


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(MINCHO))
        pdfmetrics.registerFont(UnicodeCIDFont(GOTHIC))
        _fonts_registered = True


def _style(name: str, font: str, size: float, **extra) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35, **extra)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of printable text; newlines become line breaks, Latin runs use Helvetica."""
    printable, _ = printable_text(text)
    markup = _LATIN_RUN.sub(r'<font face="Helvetica">\g<0></font>', escape(printable))
    return Paragraph(markup.replace("\n", "<br/>"), style)


_LATIN_RUN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


LABEL = _style("label", GOTHIC, 8.5)
VALUE = _style("value", MINCHO, 10.5)
SMALL = _style("small", MINCHO, 8)
TINY = _style("tiny", GOTHIC, 6.5)
SMALL_RIGHT = _style("small_right", MINCHO, 8, alignment=TA_RIGHT)
HEAD = _style("head", GOTHIC, 8, alignment=TA_CENTER)
CELL = _style("cell", MINCHO, 9)
CELL_SMALL = _style("cell_small", MINCHO, 7.5)
TITLE = _style("title", MINCHO, 20, alignment=TA_CENTER)
SUBTITLE = _style("subtitle", GOTHIC, 12, alignment=TA_CENTER)
SECTION = _style("section", GOTHIC, 10, textColor=colors.white)


def _story(doc: CertificateDocument) -> list[Flowable]:
    width = A4[0] - 36 * mm
    kind = (
        "海外用・国内用 / For overseas and domestic use"
        if doc.overseas
        else "国内用 / For domestic use"
    )
    story: list[Flowable] = [
        Table(
            [
                [
                    _p(kind, SMALL),
                    _p(f"証明書ID / Certificate ID: {doc.certificate_no}", SMALL_RIGHT),
                ]
            ],
            colWidths=[width / 2, width / 2],
            style=TableStyle(
                [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
            ),
        ),
        Spacer(1, 2 * mm),
        _p("新型コロナワクチン接種証明書", TITLE),
        Spacer(1, 2 * mm),
        _p("Vaccination Certificate of COVID-19", SUBTITLE),
        Spacer(1, 5 * mm),
        _section("接種者 / Vaccinated person", width),
        _grid(_person_rows(doc), [LABEL_WIDTH, width - LABEL_WIDTH]),
        Spacer(1, 4 * mm),
        _section("接種記録 / Vaccination record", width),
        _dose_table(doc, width),
    ]
    if doc.latest_five_note:
        story += [Spacer(1, 1.5 * mm), _p(doc.latest_five_note, SMALL)]
    statement = [
        _p("上記のとおり新型コロナワクチンの接種を受けたことを証明します。", VALUE),
        _p(
            "This is to certify that the person named above has received "
            "the COVID-19 vaccination(s) listed above.",
            SMALL,
        ),
    ]
    shc_qr = QrCode(qr_code(doc.shc_jws).matrix, QR_SIZE)
    if doc.vds_nc is None:  # domestic: the issuer on the left, the SHC on the right
        left_width = width - QR_SIZE - 8 * mm
        issuer_block = [
            _section("証明書発行者 / Certificate issuer", left_width),
            _grid(_issuer_rows(doc), [LABEL_WIDTH, left_width - LABEL_WIDTH]),
            Spacer(1, 4 * mm),
            *statement,
        ]
        bottom = [[issuer_block, [shc_qr, Spacer(1, 1 * mm), _p(QR_CAPTION, TINY)]]]
        widths = [left_width + 4 * mm, QR_SIZE + 4 * mm]
    else:  # overseas: the issuer across the page, then both codes side by side
        story += [
            Spacer(1, 4 * mm),
            _section("証明書発行者 / Certificate issuer", width),
            _grid(_issuer_rows(doc), [LABEL_WIDTH, width - LABEL_WIDTH]),
            Spacer(1, 3 * mm),
            *statement,
        ]
        seal = vds_nc_qr_code(doc.vds_nc)
        caption_width = (width - QR_SIZE - VDS_QR_SIZE - 8 * mm) / 2
        bottom = [
            [
                shc_qr,
                _p(QR_CAPTION, TINY),
                QrCode(seal.matrix, VDS_QR_SIZE),
                _p(VDS_CAPTION, TINY),
            ]
        ]
        widths = [QR_SIZE + 4 * mm, caption_width, VDS_QR_SIZE + 4 * mm, caption_width]
    story += [
        Spacer(1, 4 * mm),
        Table(
            bottom,
            colWidths=widths,
            style=TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        ),
    ]
    return story


def _section(title: str, width: float) -> Table:
    return Table(
        [[_p(title, SECTION)]],
        colWidths=[width],
        style=TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#3a4a5c"))]),
    )


def _grid(rows: list[tuple[str, str]], widths: list[float]) -> Table:
    data = [[_p(label, LABEL), _p(value, VALUE)] for label, value in rows]
    return Table(
        data,
        colWidths=widths,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )


def _date(doc: CertificateDocument, day: date) -> str:
    """和暦 on the domestic certificate, ISO 8601 on the overseas one."""
    return day.isoformat() if doc.overseas else format_wareki(day)


def _person_rows(doc: CertificateDocument) -> list[tuple[str, str]]:
    name = f"{doc.family_name}\u3000{doc.given_name}".strip()
    if doc.overseas and doc.passport is not None:
        name = f"{name}\n{doc.passport.roman_name}"
    rows = [("氏名 / Name", name), ("生年月日 / Date of birth", _date(doc, doc.birth_date))]
    if doc.overseas and doc.passport is not None:
        rows += [
            ("旅券番号 / Passport No.", doc.passport.number),
            ("国籍・地域 / Nationality/Region", doc.passport.nationality),
        ]
    return rows


def _dose_table(doc: CertificateDocument, width: float) -> Table:
    header = [
        "回数\nDose",
        "接種日\nDate of vaccination",
        "ワクチン名／メーカー\nVaccine / Manufacturer",
        "Lot.No\nLot number",
    ]
    if doc.overseas:  # ISO dates are short; the vaccine gets the room for its English name
        header.append("接種国\nCountry")
        widths, cell = [12 * mm, 24 * mm, 0.0, 22 * mm, 15 * mm], CELL_SMALL
    else:
        widths, cell = [16 * mm, 34 * mm, 0.0, 28 * mm], CELL
    widths[2] = width - sum(widths)
    rows: list[list] = [[_p(h, HEAD) for h in header]]
    for dose in doc.doses:
        vaccine = f"{dose.product_name}／{dose.manufacturer}"
        if doc.overseas:
            vaccine += f"\n{dose.product_name_en} / {dose.manufacturer_en}"
        row = [str(dose.dose_number), _date(doc, dose.vaccinated_on), vaccine, dose.lot_no]
        if doc.overseas:
            row.append("日本\nJPN")
        rows.append([_p(text, cell) for text in row])
    return Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )


def _issuer_rows(doc: CertificateDocument) -> list[tuple[str, str]]:
    issuer = f"{doc.issuer_name} / {doc.issuer_name_en}" if doc.overseas else doc.issuer_name
    rows = []
    if doc.overseas:
        rows.append(("証明書発行国 / Issuing country", "日本国 / Japan"))
    rows += [
        ("発行自治体 / Issuing municipality", issuer),
        ("発行日 / Date of issue", _date(doc, doc.issued_on)),
        ("証明書ID / Certificate ID", doc.certificate_no),
    ]
    return rows


class QrCode(Flowable):
    """A QR code as vector squares (runs of dark modules per row), with its quiet zone."""

    def __init__(self, matrix: tuple[bytearray, ...], size: float) -> None:
        super().__init__()
        self.matrix = matrix
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        count = len(self.matrix) + 2 * QR_QUIET_ZONE
        module = self.size / count
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(self.matrix):
            y = self.size - (row_index + QR_QUIET_ZONE + 1) * module
            start = None
            for col_index, dark in enumerate([*row, 0]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    x = (start + QR_QUIET_ZONE) * module
                    canvas.rect(x, y, (col_index - start) * module, module, stroke=0, fill=1)
                    start = None
