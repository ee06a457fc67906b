"""The packaged site directory and matter catalogue load and hang together; a bad file is refused
with the file, the entry and the field named."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from contracts.identity import CreditCode
from services.directory import CatalogueError, load_directory
from services.directory.loader import load_directory_from

Entries = list[dict[str, Any]]
Breakage = Callable[[Entries, Entries], None]


def packaged(name: str) -> Entries:
    text = resources.files("services.directory").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def index_of(entries: Entries, code: str) -> int:
    return next(i for i, entry in enumerate(entries) if entry["code"] == code)


def refusal(folder: Path, breakage: Breakage) -> str:
    """Copies both packaged files into folder, breaks one thing, and returns the loader's refusal."""
    sites, matters = packaged("sites.json"), packaged("matters.json")
    breakage(sites, matters)
    for name, entries in [("sites.json", sites), ("matters.json", matters)]:
        (folder / name).write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as refused:
        load_directory_from(folder)
    return str(refused.value)


def test_the_packaged_catalogue_loads_with_the_matters_of_the_stories() -> None:
    directory = load_directory()
    for code in ["370202GT0001", "110108ZG0007", "370202SP0012"]:
        assert directory.matter(code) is not None, code
    assert directory.site("370671") is not None


def test_the_catalogue_has_thirty_matters_and_six_sites_in_two_provinces() -> None:
    directory = load_directory()
    assert len(directory.matters) >= 30
    assert len(directory.sites) >= 6
    assert len({site.province for site in directory.sites.values()}) >= 2


def test_every_owner_site_and_joint_part_site_is_in_the_directory() -> None:
    directory = load_directory()
    for matter in directory.matters.values():
        for site in [matter.owner_site, *(part.site for part in matter.joint_parts)]:
            assert directory.site(site) is not None, f"{matter.code}: {site}"


def test_every_credit_code_given_for_a_receiving_unit_is_valid_by_gb_32100() -> None:
    sites = load_directory().sites
    given = {code: site.credit_code for code, site in sites.items() if site.credit_code}
    assert "370671" in given, "the Yantai receiving unit needs a credit code for its notices"
    for code, credit_code in given.items():
        assert TypeAdapter(CreditCode).validate_python(credit_code) == credit_code, code


def test_dedicated_windows_list_only_catalogue_matters_handled_in_the_hall() -> None:
    directory = load_directory()
    for site in directory.sites.values():
        for window in site.windows:
            if window.kind == "comprehensive":
                assert window.matters == [], f"{site.code} {window.id}"
            for code in window.matters:
                matter = directory.matter(code)
                assert matter is not None, f"{site.code} {window.id}: {code}"
                assert matter.in_hall, f"{site.code} {window.id}: {code} is not in the hall"


def test_the_yantai_hall_has_a_comprehensive_window_and_two_dedicated_ones() -> None:
    yantai = load_directory().sites["370671"]
    kinds = [window.kind for window in yantai.windows]
    assert yantai.hall == "烟台高新区政务服务中心"
    assert kinds.count("comprehensive") >= 1
    assert kinds.count("dedicated") >= 2


def test_an_individual_business_change_can_be_accepted_tolerantly_but_never_without_its_licence(
) -> None:
    change = load_directory().matters["370202GT0001"]
    assert change.handling_mode == "remote_proxy" and change.tolerant_acceptance
    assert any(m.key and m.form == "original" and "营业执照" in m.name for m in change.materials)
    assert any(not m.key for m in change.materials)


def test_a_food_licence_change_may_miss_its_floor_plan_and_commit_instead_of_proving_premises(
) -> None:
    change = load_directory().matters["370202SP0012"]
    assert change.tolerant_acceptance and change.commitment_allowed
    assert any(not m.key and "平面图" in m.name for m in change.materials)
    assert any(m.commitment_replaces for m in change.materials)


def test_a_household_move_is_decided_jointly_by_yantai_and_haidian() -> None:
    moves = [m for m in load_directory().matters.values() if m.name == "户口迁移"]
    assert [m.handling_mode for m in moves] == ["joint"]
    assert moves[0].owner_site == "370671"
    assert moves[0].business_sites == ["110108", "370671"]


def test_a_chengdu_real_estate_matter_outside_the_hall_says_where_to_go_instead() -> None:
    outside = [m for m in load_directory().matters.values()
               if m.owner_site == "510107" and not m.in_hall]
    assert outside, "a matter of 510107 not handled in the Yantai hall"
    for matter in outside:
        assert matter.elsewhere is not None
        assert "成都" in matter.elsewhere.place and matter.elsewhere.phone


def _promise_beyond_the_statutory_limit(sites: Entries, matters: Entries) -> None:
    matter = matters[index_of(matters, "370202SP0012")]
    matter["promised_days"] = matter["statutory_days"] + 1


def _owner_site_unknown(sites: Entries, matters: Entries) -> None:
    matters[index_of(matters, "110108ZG0007")]["owner_site"] = "370687"  # 海阳市, not a site


def _joint_part_at_an_unknown_site(sites: Entries, matters: Entries) -> None:
    matters[index_of(matters, "370671GA0001")]["joint_parts"][1]["site"] = "370687"


def _code_repeated(sites: Entries, matters: Entries) -> None:
    matters.append(dict(matters[index_of(matters, "370202GT0001")]))


def _result_type_missing(sites: Entries, matters: Entries) -> None:
    del matters[index_of(matters, "370602YB0002")]["result_type"]


def _not_in_hall_without_elsewhere(sites: Entries, matters: Entries) -> None:
    del matters[index_of(matters, "510107BD0001")]["elsewhere"]


@pytest.mark.parametrize(("breakage", "code", "field"), [
    (_promise_beyond_the_statutory_limit, "370202SP0012", "promised_days"),
    (_owner_site_unknown, "110108ZG0007", "owner_site"),
    (_joint_part_at_an_unknown_site, "370671GA0001", "joint_parts.1.site"),
    (_result_type_missing, "370602YB0002", "result_type"),
    (_not_in_hall_without_elsewhere, "510107BD0001", "elsewhere"),
])
def test_a_bad_matter_is_refused_naming_the_file_the_entry_and_the_field(
        tmp_path: Path, breakage: Breakage, code: str, field: str) -> None:
    entry = index_of(packaged("matters.json"), code)
    message = refusal(tmp_path, breakage)
    assert "matters.json" in message
    assert f"entry {entry} ({code}): field {field}:" in message, message


def test_a_repeated_matter_code_is_refused_at_its_second_entry(tmp_path: Path) -> None:
    second = len(packaged("matters.json"))
    message = refusal(tmp_path, _code_repeated)
    assert "matters.json" in message
    assert f"entry {second} (370202GT0001): field code: repeated" in message


def test_a_site_with_a_malformed_division_code_is_refused_naming_sites_json(
        tmp_path: Path) -> None:
    def shorten_the_yantai_code(sites: Entries, matters: Entries) -> None:
        sites[index_of(sites, "370671")]["code"] = "37067"

    entry = index_of(packaged("sites.json"), "370671")
    message = refusal(tmp_path, shorten_the_yantai_code)
    assert "sites.json" in message and "matters.json" not in message
    assert f"entry {entry} (37067): field code" in message


def test_a_catalogue_that_is_not_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "sites.json").write_text(json.dumps(packaged("sites.json")), encoding="utf-8")
    (tmp_path / "matters.json").write_text('[{"code": "370202GT0001",', encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"matters\.json: not valid JSON"):
        load_directory_from(tmp_path)


def test_a_service_refuses_to_start_on_a_bad_catalogue(tmp_path: Path) -> None:
    from services.intake.main import build
    from services.runtime.settings import for_service
    from tests.support.clock import FakeClock

    matters = packaged("matters.json")
    matters[0]["promised_days"] = matters[0]["statutory_days"] + 1
    (tmp_path / "matters.json").write_text(json.dumps(matters, ensure_ascii=False), "utf-8")
    (tmp_path / "sites.json").write_text(json.dumps(packaged("sites.json"), ensure_ascii=False),
                                         "utf-8")
    with pytest.raises(CatalogueError, match="promised_days"):
        build(for_service("intake", site="370671", data_dir=tmp_path / "data",
                          catalogue_dir=tmp_path), FakeClock())
