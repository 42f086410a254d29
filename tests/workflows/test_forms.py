"""Task forms: generic fields validated by the engine, WTForms classes registered by key."""

from __future__ import annotations

import pytest
from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from tests.workflows.conftest import BPMN
from web.forms.generic import clean_with, generic_form_class, register
from workflows import forms, service
from workflows.definitions import deploy
from workflows.errors import FormInvalid
from workflows.validation import validate_bpmn

FIELDS = forms.parse_fields(
    '[{"name": "received_on", "label": "受付日", "type": "date", "required": true},'
    ' {"name": "copies", "label": "部数", "type": "number"},'
    ' {"name": "kind", "label": "種別", "type": "select", "required": true, "choices": [["a", "国内用"], "b"]},'
    ' {"name": "agreed", "label": "同意", "type": "checkbox", "required": true},'
    ' {"name": "memo", "label": "備考", "type": "textarea"}]'
)


def test_generic_fields_convert_submitted_values():
    cleaned = forms.clean_submission(
        FIELDS, {"received_on": "2026-11-26", "copies": "2.5", "kind": "b", "agreed": "y", "memo": " 窓口 ", "x": 1}
    )
    assert cleaned == {"received_on": "2026-11-26", "copies": 2.5, "kind": "b", "agreed": True, "memo": "窓口"}


def test_generic_fields_report_every_error_by_japanese_label():
    with pytest.raises(FormInvalid) as error:
        forms.clean_submission(FIELDS, {"received_on": "昨日", "copies": "nan", "kind": "z", "memo": "x" * 2001})
    assert error.value.errors == {
        "受付日": "日付を YYYY-MM-DD で入力してください",
        "部数": "数値を入力してください",
        "種別": "選択肢から選んでください",
        "同意": "確認が必要です",
        "備考": "2000 文字以内で入力してください",
    }


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not json", "JSON"),
        ("[]", "一覧"),
        ('[{"name": "Bad Name", "label": "x"}]', "name"),
        ('[{"name": "a", "label": ""}]', "label"),
        ('[{"name": "a", "label": "a", "type": "select"}]', "choices"),
        ('[{"name": "a", "label": "a"}, {"name": "a", "label": "b"}]', "重複"),
    ],
)
def test_malformed_field_lists_are_explained(raw, fragment):
    with pytest.raises(forms.FieldSpecError, match=fragment):
        forms.parse_fields(raw)


def test_generic_wtforms_class_renders_and_validates_in_japanese(app):
    form_class = generic_form_class(FIELDS)
    with app.test_request_context():
        form = form_class(meta={"csrf": False}, data={})
        assert [f.label.text for f in form][:5] == ["受付日", "部数", "種別", "同意", "備考"]
    with app.test_request_context(), pytest.raises(FormInvalid) as error:
        clean_with(form_class, {"received_on": "x", "copies": "abc", "kind": "z"})
    assert error.value.errors["受付日"] == "日付を YYYY-MM-DD で入力してください"
    assert error.value.errors["部数"] == "数値を入力してください"
    assert error.value.errors["種別"] == "選択肢から選んでください"
    assert error.value.errors["同意"] == "確認が必要です"


class ProxyForm(Form):
    """A hand-written form: 代理人による申請."""

    proxy_name = StringField("代理人氏名", [InputRequired(message="入力してください")])
    copies = IntegerField("部数", [NumberRange(min=1, max=10, message="1 から 10 で入力してください")])


def test_registered_form_is_known_to_validation_and_cleans_on_the_server():
    text = (BPMN / "review_loop.bpmn").read_text().replace(
        """<spiffworkflow:property name="fields" value='[{"name": "fix_note", "label": "補正内容", "type": "textarea"}]'/>""",
        '<spiffworkflow:property name="form" value="proxy_request"/>',
    )
    assert not validate_bpmn(text.encode()).ok
    register("proxy_request", ProxyForm)
    try:
        assert validate_bpmn(text.encode()).ok
        cleaner = forms.form_cleaner("proxy_request")
        assert cleaner({"proxy_name": "試験 花子", "copies": "2"}) == {"proxy_name": "試験 花子", "copies": 2}
        with pytest.raises(FormInvalid) as error:
            cleaner({"copies": "20"})
        assert error.value.errors == {"代理人氏名": "入力してください", "部数": "1 から 10 で入力してください"}
    finally:
        forms.unregister_form("proxy_request")


def test_cli_validate_knows_forms_registered_by_any_web_forms_module(cli, tmp_path, monkeypatch):
    import web.forms

    (tmp_path / "sample_proxy_form.py").write_text(
        "from wtforms import Form, StringField\n"
        "from web.forms.generic import register\n"
        "class SampleProxyForm(Form):\n    proxy_name = StringField('代理人氏名')\n"
        "register('sample_proxy', SampleProxyForm)\n"
    )
    monkeypatch.setattr(web.forms, "__path__", [*web.forms.__path__, str(tmp_path)])
    bpmn = tmp_path / "p.bpmn"
    bpmn.write_text((BPMN / "review_loop.bpmn").read_text().replace(
        """<spiffworkflow:property name="fields" value='[{"name": "fix_note", "label": "補正内容", "type": "textarea"}]'/>""",
        '<spiffworkflow:property name="form" value="sample_proxy"/>',
    ))
    try:
        result = cli.invoke(args=["processes", "validate", str(bpmn)])
        assert (result.exit_code, result.output.strip()) == (0, "OK")
    finally:
        forms.unregister_form("sample_proxy")



def test_a_form_registered_with_the_case_context_sees_case_performer_and_mode(db, staff, clock):
    text = (BPMN / "review_loop.bpmn").read_text().replace(
        """<spiffworkflow:property name="fields" value='[{"name": "received_on", "label": "受付日", "type": "date", "required": true}, {"name": "copies", "label": "部数", "type": "number"}]'/>""",
        '<spiffworkflow:property name="form" value="context_intake"/>',
    )
    seen = []

    def cleaner(data, context):
        seen.append((context.case_id, context.bpmn_id, context.staff_id, context.completing))
        if not data.get("note"):
            raise FormInvalid({"備考": "入力してください"})
        return {"noted": True}  # the case data itself would be stored in Sesshu's tables

    forms.register_form("context_intake", cleaner, needs_context=True)
    try:
        with db.transaction() as session:
            deploy(session, text.encode(), note="試験")
            state = service.start_case(session, "certificate", "review_loop", staff["madoguchi1"], clock=clock)
        (guid,) = state.ready_tasks
        actor = staff["madoguchi1"]
        with db.transaction() as session:
            assert service.clean_form(session, guid, {"note": "x"}, actor) == {"noted": True}
        with pytest.raises(FormInvalid), db.transaction() as session:
            service.complete_task(session, guid, actor, {}, clock=clock)
        with db.transaction() as session:
            service.complete_task(session, guid, actor, {"note": "窓口"}, clock=clock)
        assert seen == [(state.case_id, "receive", actor.staff_id, False),
                        (state.case_id, "receive", actor.staff_id, True),
                        (state.case_id, "receive", actor.staff_id, True)]
    finally:
        forms.unregister_form("context_intake")
