"""Letters of a relief claim as PDF: 受付票, 補正依頼書, 進達書 (cover to the prefecture) and
the 支給/不支給決定通知書 with the 審査請求 notice.

reportlab's built-in Japanese CID fonts (HeiseiMin-W3, HeiseiKakuGo-W5); no font files.
No letter ever carries a 個人番号: people are named, and the vaccinated person also by 宛名番号
only on the prefecture's cover.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from models.relief_claim import BenefitKind, ClaimantType, ReliefClaim
from models.relief_document import ReliefCorrection
from models.relief_review import (
    DENIAL_REASONS,
    CommitteeOpinion,
    Forwarding,
    NationalResult,
    ReliefDecision,
)
from models.vaccination import VaccinationCategory
from models.wareki import format_wareki

MINCHO = "HeiseiMin-W3"
GOTHIC = "HeiseiKakuGo-W5"
_registered = False


def _fonts() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(MINCHO))
        pdfmetrics.registerFont(UnicodeCIDFont(GOTHIC))
        _registered = True


TITLE = ParagraphStyle("title", fontName=GOTHIC, fontSize=15, leading=22, alignment=1, spaceAfter=8 * mm)
BODY = ParagraphStyle("body", fontName=MINCHO, fontSize=10.5, leading=17)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=2)
STRONG = ParagraphStyle("strong", fontName=GOTHIC, fontSize=12, leading=18)


@dataclass
class Letter:
    title: str
    issued_on: date
    sender: str
    addressee: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def render(letter: Letter) -> bytes:
    _fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm, title=letter.title, author=letter.sender)
    story = [Paragraph(escape(format_wareki(letter.issued_on)), RIGHT), Spacer(1, 4 * mm)]
    if letter.addressee:
        story.append(Paragraph(escape(f"{letter.addressee}　様"), STRONG))
    story += [Paragraph(escape(letter.sender), RIGHT), Spacer(1, 8 * mm), Paragraph(escape(letter.title), TITLE)]
    for text in letter.paragraphs:
        story += [Paragraph(escape(text).replace("\n", "<br/>"), BODY), Spacer(1, 3 * mm)]
    if letter.rows:
        table = Table([[Paragraph(escape(k), BODY), Paragraph(escape(v).replace("\n", "<br/>"), BODY)]
                       for k, v in letter.rows], colWidths=[45 * mm, 120 * mm])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#444444"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 2 * mm), table, Spacer(1, 5 * mm)]
    for text in letter.notes:
        story += [Paragraph(escape(text).replace("\n", "<br/>"), BODY), Spacer(1, 2 * mm)]
    document.build(story)
    return buffer.getvalue()


def _benefits(claim: ReliefClaim) -> str:
    return "、".join(BenefitKind(b.kind).label for b in claim.benefits) or "—"


def receipt_slip(claim: ReliefClaim, code: str, sender: str, today: date, status_url: str) -> bytes:
    """受付票: the 受付番号 and the one-time access code for the status page."""
    return render(Letter(
        title="予防接種健康被害救済給付 請求受付票", issued_on=today, sender=sender, addressee=claim.claimant_name,
        paragraphs=["予防接種健康被害救済制度による給付の請求を受け付けました。"
                    "審査の進み具合は、下記の受付番号とアクセスコードで確認できます。"],
        rows=[("受付番号", claim.receipt_no), ("アクセスコード", code), ("受付日", format_wareki(claim.received_on)),
              ("請求された給付", _benefits(claim)), ("進み具合の確認", status_url)],
        notes=["アクセスコードは本票にのみ記載しています。他の人に知られないよう保管してください。",
               "紛失された場合は窓口で再発行します（再発行すると以前のコードは使えなくなります）。"],
    ))


def correction_letter(claim: ReliefClaim, correction: ReliefCorrection, sender: str, today: date) -> bytes:
    """補正依頼書: what is missing and by when."""
    missing = "\n".join(f"・{name}" for name in correction.missing) or "—"
    return render(Letter(
        title="請求書類の補正について（依頼）", issued_on=today, sender=sender, addressee=claim.claimant_name,
        paragraphs=[f"受付番号 {claim.receipt_no} の請求について、審査に必要な書類が不足しています。"
                    f"{format_wareki(correction.due_on)}までに、下記の書類を提出してください。"],
        rows=[("不足している書類", missing), ("提出期限", format_wareki(correction.due_on))],
        notes=["期限までに提出がない場合は、請求を取り下げたものとして扱うことがあります。"
               "期限までの提出が難しい場合は、担当までご連絡ください。"],
    ))


def forwarding_cover(claim: ReliefClaim, forwarding: Forwarding, opinion: CommitteeOpinion | None,
                     sender: str, prefecture: str) -> bytes:
    """進達書: the cover sent with the claim to the prefecture (and on to MHLW)."""
    kind = "追加資料の送付" if forwarding.kind == "additional" else "進達"
    rows = [("受付番号", claim.receipt_no), ("接種を受けた方の宛名番号", claim.resident.atena_no),
            ("接種区分", VaccinationCategory(claim.category).label),
            ("接種日", format_wareki(claim.vaccination.vaccinated_on)), ("発症日", format_wareki(claim.onset_on)),
            ("請求者の区分", ClaimantType(claim.claimant_type).label), ("請求された給付", _benefits(claim))]
    if opinion is not None:
        rows += [("調査委員会の開催日", format_wareki(opinion.meeting_on)), ("委員会の意見", opinion.opinion)]
    return render(Letter(
        title=f"予防接種健康被害救済給付請求に係る{kind}について", issued_on=forwarding.sent_on, sender=sender,
        addressee=f"{prefecture}知事",
        paragraphs=["予防接種法に基づく健康被害救済給付の請求について、関係書類を添えて下記のとおり"
                    f"{'送付' if forwarding.kind == 'additional' else '進達'}します。"],
        rows=rows, notes=[forwarding.note] if forwarding.note else [],
    ))


def decision_notice(claim: ReliefClaim, decision: ReliefDecision, result: NationalResult | None,
                    sender: str, prefecture: str) -> bytes:
    """支給決定通知書 / 不支給決定通知書, with the 審査請求 notice (教示)."""
    paying = decision.kind == "payment"
    rows = [("受付番号", claim.receipt_no), ("請求された給付", _benefits(claim)),
            ("決定", "支給する" if paying else "支給しない"), ("決定日", format_wareki(decision.decided_on))]
    if not paying and result is not None and result.reason_code:
        rows.append(("理由", f"厚生労働大臣が認定しなかったため（{DENIAL_REASONS.get(result.reason_code, '')}）"))
    elif decision.reason:
        rows.append(("理由", decision.reason))
    return render(Letter(
        title=f"予防接種健康被害救済給付 {'支給' if paying else '不支給'}決定通知書", issued_on=decision.decided_on,
        sender=sender, addressee=claim.claimant_name,
        paragraphs=[f"{format_wareki(claim.received_on)}に受け付けた請求について、下記のとおり決定しましたので通知します。"],
        rows=rows,
        notes=["【審査請求について】",
               f"この決定に不服がある場合は、この決定があったことを知った日の翌日から起算して3か月以内に、"
               f"{prefecture}知事に対して審査請求をすることができます。"
               "ただし、決定があったことを知った日の翌日から起算して3か月以内であっても、"
               "決定の日の翌日から起算して1年を経過すると審査請求をすることができなくなります。"],
    ))
