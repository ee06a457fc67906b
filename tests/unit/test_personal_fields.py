"""Personal fields sealed in the stored event, opened only with the site's key, and unreadable
for good once the key is destroyed — the event's bytes, and so its hash, never change."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from contracts.personal import Withheld
from contracts.seal import digest
from services.runtime.personal.fields import FieldUnreadable, open_event, seal, sealed_by
from services.runtime.personal.vault import Vault, dev_master_key
from tests.support.events import sample

YANTAI, QINGDAO = "370671", "370202"
WANG_QIANG = {"kind": "person", "name": "王强", "id_number": "370602198803141233",
              "phone": "13805351234"}
NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


@pytest.fixture
def yantai(tmp_path: Path) -> Vault:
    vault = Vault(YANTAI, dev_master_key(YANTAI), path=tmp_path / "yantai.sqlite3")
    yield vault
    vault.close()


def opened_case(**changes: object):  # type: ignore[no-untyped-def]
    return sample("intake.case_opened.v1", uuid4(), applicant=WANG_QIANG, **changes)


def test_the_stored_event_holds_no_name_id_number_or_phone_and_opens_to_the_same_event(
        yantai: Vault) -> None:
    event = opened_case()
    stored = seal(event, yantai)
    for value in ("王强", "\\u738b\\u5f3a", "370602198803141233", "13805351234"):
        assert value.encode() not in stored
    assert json.loads(stored)["applicant"]["site"] == YANTAI
    assert open_event(type(event), stored, yantai) == event
    assert sealed_by(stored, type(event).personal) == {(event.case_id, YANTAI)}


def test_without_the_key_the_applicant_reads_as_withheld_not_as_a_value(
        yantai: Vault, tmp_path: Path) -> None:
    stored = seal(opened_case(), yantai)
    qingdao = Vault(QINGDAO, dev_master_key(QINGDAO), path=tmp_path / "qingdao.sqlite3")
    try:
        read = open_event(type(opened_case()), stored, qingdao)
    finally:
        qingdao.close()
    assert read.applicant == Withheld(why="sealed")
    assert read.applicant.masked() == "（无权查看）"


def test_after_the_key_is_destroyed_the_fields_read_as_destroyed_and_the_bytes_are_unchanged(
        yantai: Vault) -> None:
    event = opened_case()
    stored = seal(event, yantai)
    hash_before = digest(stored)
    assert yantai.destroy(event.case_id, "retention ended", NOW) == [YANTAI]
    read = open_event(type(event), stored, yantai)
    assert isinstance(read.applicant, Withheld) and str(read.applicant) == "已销毁"
    assert read.applicant.name == read.applicant.id_number == "已销毁"
    assert not read.applicant.identifies("370602198803141233")
    assert digest(stored) == hash_before
    assert yantai.tombstone(event.case_id).reason == "retention ended"


def test_a_destroyed_case_gets_no_new_key(yantai: Vault) -> None:
    event = opened_case()
    yantai.destroy(event.case_id, "erasure requested", NOW)
    with pytest.raises(Exception, match=str(event.case_id)):
        seal(event, yantai)
    yantai.grant(event.case_id, QINGDAO, os.urandom(32))
    assert yantai.holds(event.case_id, QINGDAO)  # destroyed counts as held: never fetched again
    with pytest.raises(Exception, match=str(event.case_id)):
        yantai.get(event.case_id, QINGDAO)


def test_the_vault_file_keeps_no_byte_of_a_destroyed_key(yantai: Vault, tmp_path: Path) -> None:
    event = opened_case()
    seal(event, yantai)
    wrapped = yantai._db.execute(f"SELECT wrapped FROM {yantai._db.keys}")[0][0]

    def on_disk() -> bytes:  # the database, its write-ahead log and anything else beside it
        return b"".join(f.read_bytes() for f in tmp_path.glob("yantai.sqlite3*"))

    assert wrapped in on_disk()
    yantai.destroy(event.case_id, "retention ended", NOW)
    assert wrapped not in on_disk()


def test_a_sealed_field_changed_or_moved_to_another_case_does_not_open(yantai: Vault) -> None:
    event = opened_case()
    stored = json.loads(seal(event, yantai))
    raw = bytearray(base64.b64decode(stored["applicant"]["ct"]))
    raw[-1] ^= 1
    changed = {**stored, "applicant": {**stored["applicant"], "ct": base64.b64encode(
        bytes(raw)).decode()}}
    with pytest.raises(FieldUnreadable, match="applicant: sealed by 370671"):
        open_event(type(event), json.dumps(changed).encode(), yantai)
    other = seal(opened_case(), yantai)
    moved = {**json.loads(other), "applicant": stored["applicant"]}
    with pytest.raises(FieldUnreadable):
        open_event(type(event), json.dumps(moved).encode(), yantai)


def test_the_blind_index_is_one_per_number_however_typed_and_differs_between_sites(
        yantai: Vault, tmp_path: Path) -> None:
    qingdao = Vault(QINGDAO, dev_master_key(QINGDAO), path=tmp_path / "qingdao.sqlite3")
    try:
        assert yantai.blind("37060219880314123x") == yantai.blind("３７０６０２１９８８０３１４１２３Ｘ")
        assert yantai.blind("370602198803141233") != qingdao.blind("370602198803141233")
        assert "370602198803141233" not in yantai.blind("370602198803141233")
    finally:
        qingdao.close()


def test_two_processes_making_a_case_key_at_once_keep_one(tmp_path: Path) -> None:
    first = Vault(YANTAI, dev_master_key(YANTAI), path=tmp_path / "k.sqlite3")
    second = Vault(YANTAI, dev_master_key(YANTAI), path=tmp_path / "k.sqlite3")
    try:
        case_id = uuid4()
        assert first.own(case_id) == second.own(case_id)
    finally:
        first.close()
        second.close()


def test_every_personal_field_of_every_event_reads_as_destroyed_once_its_key_is_gone(
        yantai: Vault) -> None:
    from contracts.base import all_event_classes

    for cls in [c for c in all_event_classes() if c.personal]:
        event = sample(cls.type_key(), uuid4(), acting_site=YANTAI)
        stored = seal(event, yantai)
        yantai.destroy(event.case_id, "retention ended", NOW)
        read = open_event(cls, stored, yantai)
        for name in cls.personal:
            if getattr(event, name) is not None:
                assert str(getattr(read, name)) == "已销毁", (cls.type_key(), name)
