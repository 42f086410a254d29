"""給付額表 (benefit rate table) per fiscal year, maintained by システム管理者."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from handlers.relief.amounts import RATE_CODES
from models.relief_payment import ReliefRate
from models.staff import Role
from web.db import session as db_session
from web.relief.forms import RateForm
from web.security import roles

bp = Blueprint("relief_rates", __name__, url_prefix="/relief/rates")


@bp.route("/", methods=["GET", "POST"])
@roles(Role.ADMIN)
def index():
    session = db_session()
    form = RateForm()
    if form.validate_on_submit():
        row = session.scalars(select(ReliefRate).where(ReliefRate.fiscal_year == form.fiscal_year.data,
                                                       ReliefRate.code == form.code.data)).first()
        row = row or ReliefRate(fiscal_year=form.fiscal_year.data, code=form.code.data)
        row.amount = form.amount.data
        session.add(row)
        session.commit()
        flash(f"{form.fiscal_year.data}年度「{RATE_CODES[form.code.data]}」を {form.amount.data:,} 円にしました。",
              "success")
        return redirect(url_for("relief_rates.index"))
    rates = session.scalars(select(ReliefRate).order_by(ReliefRate.fiscal_year.desc(), ReliefRate.code)).all()
    years: dict[int, dict[str, int]] = {}
    for rate in rates:
        years.setdefault(rate.fiscal_year, {})[rate.code] = rate.amount
    return render_template("relief/rates.html", form=form, years=years, codes=RATE_CODES)
