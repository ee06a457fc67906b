"""Before a service opens anything: outside development, refuse every secret anyone could know.

A development signing key is derivable from its key id, the hub secrets and the example database
password are in this repository: a service that ran with one of them would seal, sign in or store
as anyone who read the code. Each problem is named with the variable that fixes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.directory import Directory, Site
from services.runtime.keys import dev_seed
from services.runtime.personal.vault import dev_master_key
from services.runtime.secrets import Mode, SecretsRefused
from services.runtime.settings import ServiceSettings

# Hub secrets this repository once shipped; a site's password was derived from them.
LOCAL_HUB_SECRET, EXAMPLE_HUB_SECRET = "tongban-local-hub", "change-me-before-use"


def site_password(site: str, secret: str) -> str:
    """The hub password a site got from a shipped secret, before passwords were random."""
    return hashlib.sha256(f"{secret}|{site}".encode()).hexdigest()[:32]


DEFAULT_DATABASE_PASSWORDS = frozenset({
    "", "tongban", "tongban-dev", "postgres", "password", "changeme", "change-me", "secret",
    EXAMPLE_HUB_SECRET})
NEW_KEY = "make one with `tongban keys generate --site {site} --seed-file …`"


def check_before_start(service: str, settings: ServiceSettings, directory: Directory,
                       mode: Mode) -> None:
    """Raise SecretsRefused listing every problem; in development, nothing is refused."""
    if mode == "development":
        return
    prefix = f"TB_{service.upper()}_"
    site = directory.sites.get(settings.site)
    problems = [*signing_key(prefix, settings, site), *nats(prefix, settings),
                *database(prefix, settings), *directory_keys(settings, site),
                *issuer(prefix, settings), *personal_data_key(prefix, settings)]
    if problems:
        raise SecretsRefused("refusing to start in production mode (TB_ENV=production; "
                             "TB_ENV=development for a local run):\n"
                             + "\n".join(f"  - {p}" for p in problems))


def personal_data_key(prefix: str, settings: ServiceSettings) -> list[str]:
    """The master key of the site's personal data: 32 random bytes, never the development one."""
    variable = f"{prefix}PERSONAL_DATA_KEY"
    hint = ("make one with `(umask 077; openssl rand -base64 32 > <file>)`, the same for all "
            "the site's services, and keep it as safe as the data: losing it loses every key")
    if settings.personal_data_key is None:
        return [(f"{variable} is not set: personal data would be sealed under a development "
                 f"key anyone can derive; {hint}")]
    try:
        key = base64.b64decode(settings.personal_data_key.get_secret_value(), validate=True)
    except ValueError:
        return [f"{variable} is not base64; {hint}"]
    if len(key) != 32:
        return [f"{variable} is {len(key)} bytes, not 32; {hint}"]
    if key == dev_master_key(settings.site):
        return [f"{variable} is the development key of site {settings.site}; {hint}"]
    return []


def public_of(seed: bytes) -> str:
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return base64.b64encode(key.public_bytes_raw()).decode()


def signing_key(prefix: str, settings: ServiceSettings, site: Site | None) -> list[str]:
    variable, hint = f"{prefix}SIGNING_KEY_SEED", NEW_KEY.format(site=settings.site)
    if settings.signing_key_seed is None:
        return [(f"{variable} is not set: the service would seal with a development key, "
                f"which anyone can derive; {hint} and give it as {variable}_FILE")]
    try:
        seed = base64.b64decode(settings.signing_key_seed.get_secret_value(), validate=True)
    except binascii.Error:
        seed = b""
    if len(seed) != 32:
        return [f"{variable} is not an Ed25519 seed (32 bytes in base64); {hint}"]
    key_ids = {k.id for k in site.keys} if site else set()
    key_ids |= {settings.signing_key_id} if settings.signing_key_id else set()
    derivable = sorted(k for k in key_ids if dev_seed(k) == seed)
    if derivable:
        return [(f"{variable} is the development key {derivable[0]}, which anyone can derive; "
                f"{hint}")]
    public = public_of(seed)
    named = [k for k in (site.keys if site else []) if k.public_key == public]
    if not named or (settings.signing_key_id and settings.signing_key_id not in
                     {k.id for k in named}):
        return [f"{variable} is none of site {settings.site}'s keys in the directory "
                f"(its public key {public} is not there"
                + (f" as {settings.signing_key_id}" if settings.signing_key_id else "") + ")"]
    return []


def nats(prefix: str, settings: ServiceSettings) -> list[str]:
    variable = f"{prefix}NATS_PASSWORD"
    password = settings.nats_password.get_secret_value() if settings.nats_password else ""
    if not password:
        return [(f"{variable} is not set: outside development a service signs in to NATS "
                f"as its site's user; give it as {variable}_FILE")]
    known = {s for secret in (LOCAL_HUB_SECRET, EXAMPLE_HUB_SECRET)
             for s in (secret, site_password(settings.site, secret))}
    if password in known:
        return [(f"{variable} is a default from this repository ({LOCAL_HUB_SECRET} or "
                f"{EXAMPLE_HUB_SECRET}, or derived from one), which anyone can read")]
    return []


def issuer(prefix: str, settings: ServiceSettings) -> list[str]:
    """Staff tokens are only as good as the channel their issuer's keys come through."""
    variable = f"{prefix}AUTH_ISSUER"
    if not settings.auth_issuer:
        return [(f"{variable} is not set: no staff token could be verified, so every staff "
                 f"route would refuse; give the province's identity provider's issuer URL")]
    url = urlsplit(settings.auth_issuer)
    if url.scheme != "https" and url.hostname not in ("127.0.0.1", "localhost", "::1"):
        return [(f"{variable} ({settings.auth_issuer}) is not https: anyone on the way could "
                 f"hand this service their own keys")]
    return []


def database(prefix: str, settings: ServiceSettings) -> list[str]:
    if settings.store != "postgres":
        return []
    variable = f"{prefix}POSTGRES_PASSWORD"
    password = settings.postgres_password.get_secret_value()
    if not password:
        return [f"{variable} is empty; give it as {variable}_FILE"]
    if password == settings.postgres_user:
        return [f"{variable} is the user name, which anyone can guess"]
    if password.lower() in DEFAULT_DATABASE_PASSWORDS:
        return [f"{variable} is a well-known default ({password!r}), which anyone can guess"]
    return []


def directory_keys(settings: ServiceSettings, site: Site | None) -> list[str]:
    """A development key in the directory lets anyone seal as this site, for its period."""
    where = settings.catalogue_dir or "the packaged services/directory"
    if site is None:
        return [f"site {settings.site} is not in the site directory ({where})"]
    return [f"the site directory ({where}) holds development key {k.id} for site {site.code}: "
            f"anyone can seal as this site with it; replace it with a key from `tongban keys "
            f"generate` (TB_<SERVICE>_CATALOGUE_DIR names the directory)"
            for k in site.keys if k.public_key == public_of(dev_seed(k.id))]
