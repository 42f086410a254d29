"""Validation: every problem names the BPMN element id; nothing a file holds causes a traceback."""

from __future__ import annotations

import pytest

from handlers import registry
from tests.workflows.conftest import BPMN
from workflows.validation import MAX_BYTES, validate_bpmn

REVIEW = (BPMN / "review_loop.bpmn").read_text()
SERVICE = (BPMN / "service_call.bpmn").read_text()


def problems_of(text: str | bytes) -> list[tuple[str, str]]:
    data = text.encode() if isinstance(text, str) else text
    return [(p.element_id, p.message) for p in validate_bpmn(data).problems]


def test_shipped_style_fixture_is_valid():
    result = validate_bpmn(REVIEW.encode())
    assert result.ok, result.problems
    assert result.process_key == "review_loop"


def test_lane_without_a_known_role_is_named_by_task_id():
    text = REVIEW.replace('name="監督者"', 'name="課長"')
    assert any(eid == "approve" and "レーン「課長」" in msg for eid, msg in problems_of(text))


def test_user_task_without_a_form_and_with_an_unregistered_form():
    no_form = REVIEW.replace(
        """<spiffworkflow:property name="fields" value='[{"name": "fix_note", "label": "補正内容", "type": "textarea"}]'/>""",
        "",
    )
    assert ("request_fix", "ユーザータスク「補正依頼」にフォーム（form または fields）が指定されていません") in problems_of(no_form)
    unknown = no_form.replace(
        '<spiffworkflow:property name="milestone" value="補正依頼中"/>',
        '<spiffworkflow:property name="form" value="no_such_form"/>',
    )
    assert ("request_fix", "フォーム「no_such_form」は登録されていません") in problems_of(unknown)


def test_bad_generic_fields_are_reported():
    text = REVIEW.replace('"type": "textarea"', '"type": "colour"')
    assert any(eid == "request_fix" and "colour" in msg for eid, msg in problems_of(text))


def test_separation_of_duties_must_point_at_a_user_task_of_the_process():
    text = REVIEW.replace('value="receive,check_docs"', 'value="receive,gw_result,nowhere"')
    found = problems_of(text)
    assert any(eid == "approve" and "gw_result" in msg for eid, msg in found)
    assert any(eid == "approve" and "nowhere" in msg for eid, msg in found)


def test_due_must_be_an_iso_duration():
    text = REVIEW.replace('value="P3D"', 'value="3日"')
    assert any(eid == "receive" and "due" in msg for eid, msg in problems_of(text))


def test_unknown_operator_and_undeclared_parameter(lookup_operator):
    assert validate_bpmn(SERVICE.encode()).ok
    text = SERVICE.replace('id="test/lookup"', 'id="shell/run"')
    assert any(eid == "lookup" and "shell/run" in msg for eid, msg in problems_of(text))
    text = SERVICE.replace('id="label"', 'id="color"')
    found = problems_of(text)
    assert any(eid == "lookup" and "color" in msg for eid, msg in found)
    assert any(eid == "lookup" and "label" in msg for eid, msg in found)


def test_unknown_operator_without_registration():
    registry.unregister("test/lookup")
    assert any(eid == "lookup" and "test/lookup" in msg for eid, msg in problems_of(SERVICE))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("__import__('os').system('id') == 0", "_ で始まる名前"),
        ("[c for c in ().__class__.__base__.__subclasses__()]", "_ で始まる属性"),
        ("open('/etc/passwd').read() != ''", "「open」"),
    ],
)
def test_malicious_condition_is_rejected_naming_its_sequence_flow(code, expected):
    text = REVIEW.replace("result == 'fix'", code.replace("'", "&apos;"))
    assert any(eid == "f_fix" and expected in msg for eid, msg in problems_of(text))


def test_malicious_scripts_are_rejected_naming_their_task():
    script = '<bpmn:scriptTask id="evil" name="悪意"><bpmn:script>{}</bpmn:script></bpmn:scriptTask>'
    for body, expected in (("import os", "import"), ("while True:\n    pass", "while True"),
                           ("x = 'a' * 2**34", "巨大な値")):
        text = REVIEW.replace(
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>',
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="evil"/>'
            + script.format(body)
            + '<bpmn:sequenceFlow id="f1b" sourceRef="evil" targetRef="receive"/>',
        )
        assert any(eid == "evil" and expected in msg for eid, msg in problems_of(text)), body


def test_unreachable_element_is_reported():
    text = REVIEW.replace('<bpmn:endEvent id="end"/>', '<bpmn:endEvent id="end"/><bpmn:userTask id="orphan" name="孤立"/>')
    assert ("orphan", "開始イベントから到達できない要素です") in problems_of(text)


def test_parser_errors_carry_the_element_id():
    text = REVIEW.replace('default="f_ok"', "")
    assert any(eid == "f_ok" and "条件式がありません" in msg for eid, msg in problems_of(text))
    text = REVIEW.replace(
        '<bpmn:sequenceFlow id="f5"', '<bpmn:sequenceFlow id="fx" sourceRef="approve" targetRef="receive"/><bpmn:sequenceFlow id="f5"'
    )
    assert any(eid == "approve" and "ゲートウェイ" in msg for eid, msg in problems_of(text))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes(range(256)) * 10, "XML として読めません"),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "BPMN 2.0 のファイルではありません"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>',
            "DOCTYPE",
        ),
        (b"", "XML として読めません"),
        (b" " * (MAX_BYTES + 1), "ファイルが大きすぎます"),
    ],
)
def test_junk_never_raises(data, expected):
    found = problems_of(data)
    assert any(expected in msg for _, msg in found), found


def test_cli_validate_prints_ok_or_one_line_per_problem(cli, tmp_path):
    good = tmp_path / "good.bpmn"
    good.write_text(REVIEW)
    result = cli.invoke(args=["processes", "validate", str(good)])
    assert result.exit_code == 0 and result.output.strip() == "OK"

    bad = tmp_path / "bad.bpmn"
    bad.write_text(REVIEW.replace('name="監督者"', 'name="課長"').replace('value="P3D"', 'value="x"'))
    result = cli.invoke(args=["processes", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("receive: ") or lines[1].startswith("receive: ")
    assert "Traceback" not in result.output


def test_cli_validate_survives_a_50_megabyte_file_and_binary_junk(cli, tmp_path):
    big = tmp_path / "big.bpmn"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    junk = tmp_path / "junk.bpmn"
    junk.write_bytes(bytes(range(256)) * 100)
    for path in (big, junk, tmp_path / "missing.bpmn"):
        result = cli.invoke(args=["processes", "validate", str(path)])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output


def test_schema_errors_name_the_element_on_the_reported_line():
    text = REVIEW.replace('<bpmn:userTask id="approve" name="決裁">', '<bpmn:userTask id="approve" name="決裁" colour="red">')
    [(element_id, message)] = problems_of(text)
    assert element_id == "approve"
    assert "XML スキーマ" in message and "colour" in message
