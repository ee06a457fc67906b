"""Secrets as an operator gives them: in files named by `..._FILE` (as Docker mounts them), and
held to production rules unless TB_ENV says development."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from services.directory import load_directory
from services.runtime.personal.vault import dev_master_key
from services.runtime.secrets import SecretsRefused, run_mode
from services.runtime.settings import for_service
from tongban.preflight import EXAMPLE_HUB_SECRET, check_before_start, site_password
from tongban.site_keys import new_seed, read_sites, site_entry, write_directory

QINGDAO = "370202"
PASSWORD = "Hs4-bN7q-Zt2w-Pc6m"


def secret_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("field", ["postgres_password", "nats_password", "signing_key_seed"])
def test_every_secret_is_read_from_the_file_its_FILE_variable_names_without_the_line_end(
    field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = secret_file(tmp_path, field, PASSWORD + "\n")
    monkeypatch.setenv(f"TB_APPROVAL_{field.upper()}_FILE", str(path))
    secret = getattr(for_service("approval", site=QINGDAO), field)
    assert secret.get_secret_value() == PASSWORD


def test_a_FILE_variable_naming_a_missing_file_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TB_APPROVAL_POSTGRES_PASSWORD_FILE", str(tmp_path / "postgres-password"))
    with pytest.raises(SecretsRefused, match="TB_APPROVAL_POSTGRES_PASSWORD_FILE names .*"
                                             "postgres-password, which does not exist"):
        for_service("approval", site=QINGDAO)


def test_a_secret_given_both_as_a_value_and_as_a_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TB_APPROVAL_NATS_PASSWORD", PASSWORD)
    monkeypatch.setenv("TB_APPROVAL_NATS_PASSWORD_FILE", str(secret_file(tmp_path, "p", "x")))
    with pytest.raises(SecretsRefused, match="TB_APPROVAL_NATS_PASSWORD and "
                                             "TB_APPROVAL_NATS_PASSWORD_FILE are both set"):
        for_service("approval", site=QINGDAO)


def test_the_mode_is_production_unless_TB_ENV_says_development() -> None:
    assert run_mode({}) == "production"
    assert run_mode({"TB_ENV": "development"}) == "development"
    with pytest.raises(SecretsRefused, match="TB_ENV='staging'"):
        run_mode({"TB_ENV": "staging"})


def test_in_development_the_development_key_and_no_passwords_are_fine() -> None:
    settings = for_service("approval", site=QINGDAO)
    check_before_start("approval", settings, load_directory(None), "development")


def qingdao_in_production(tmp_path: Path, **secrets: str) -> str:
    """What a production Qingdao approval with a generated key says about these secrets."""
    seed = new_seed()
    sites = read_sites(None)
    write_directory(tmp_path, sites, site_entry(sites, QINGDAO, seed, None, None))
    secrets = {"personal_data_key": base64.b64encode(os.urandom(32)).decode(), **secrets}
    settings = for_service("approval", site=QINGDAO, catalogue_dir=tmp_path,
                           signing_key_seed=base64.b64encode(seed).decode(), **secrets)
    try:
        check_before_start("approval", settings, load_directory(tmp_path), "production")
    except SecretsRefused as refused:
        return str(refused)
    return ""


def test_a_generated_key_and_strong_passwords_pass(tmp_path: Path) -> None:
    assert qingdao_in_production(tmp_path, nats_password=PASSWORD, store="postgres",
                                 postgres_password=PASSWORD) == ""


def test_a_hub_password_derived_from_the_example_secret_is_a_default(tmp_path: Path) -> None:
    derived = site_password(QINGDAO, EXAMPLE_HUB_SECRET)
    assert "TB_APPROVAL_NATS_PASSWORD is a default" in qingdao_in_production(
        tmp_path, nats_password=derived)


def test_a_database_password_equal_to_its_user_is_refused(tmp_path: Path) -> None:
    said = qingdao_in_production(tmp_path, nats_password=PASSWORD, store="postgres",
                                 postgres_user="qingdao_approval",
                                 postgres_password="qingdao_approval")
    assert "TB_APPROVAL_POSTGRES_PASSWORD is the user name" in said


def test_the_development_personal_data_key_or_none_is_refused_naming_the_variable(
        tmp_path: Path) -> None:
    development = base64.b64encode(dev_master_key(QINGDAO)).decode()
    assert "TB_APPROVAL_PERSONAL_DATA_KEY is the development key of site 370202" in (
        qingdao_in_production(tmp_path / "1", nats_password=PASSWORD,
                              personal_data_key=development))
    assert "TB_APPROVAL_PERSONAL_DATA_KEY is 16 bytes, not 32" in qingdao_in_production(
        tmp_path / "2", nats_password=PASSWORD,
        personal_data_key=base64.b64encode(os.urandom(16)).decode())


def test_without_an_identity_provider_or_with_one_reached_in_clear_it_is_refused(
        tmp_path: Path) -> None:
    unset = qingdao_in_production(tmp_path / "1", nats_password=PASSWORD, auth_issuer="")
    assert "TB_APPROVAL_AUTH_ISSUER is not set" in unset
    in_clear = qingdao_in_production(tmp_path / "2", nats_password=PASSWORD,
                                     auth_issuer="http://idp.shandong.gov.cn/realms/staff")
    assert "is not https" in in_clear
    assert qingdao_in_production(tmp_path / "3", nats_password=PASSWORD,
                                 auth_issuer="https://idp.shandong.gov.cn/realms/staff") == ""
