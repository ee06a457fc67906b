"""deploy/Dockerfile read as instructions, so the tests build from what it says, not a copy."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


@dataclass
class Dockerfile:
    instructions: list[tuple[str, str]]  # (INSTRUCTION, its arguments), continuations joined
    args: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path = DOCKERFILE) -> Dockerfile:
        joined, current = [], ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if not current and (not line.strip() or line.lstrip().startswith("#")):
                continue
            current += line.rstrip().removesuffix("\\") + " "
            if not line.rstrip().endswith("\\"):
                joined.append(current.strip())
                current = ""
        parsed = [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]
        args = dict(a.split("=", 1) for i, a in parsed if i == "ARG" and "=" in a)
        return cls(parsed, args)

    def all(self, instruction: str) -> list[str]:
        return [args for i, args in self.instructions if i == instruction]

    def copies(self) -> list[tuple[str, str]]:
        """(source in the build context, destination under WORKDIR) of every COPY."""
        return [tuple(shlex.split(args)) for args in self.all("COPY")]  # type: ignore[misc]

    def env(self) -> dict[str, str]:
        """The ENV of the image, build args put in."""
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, value = pair.split("=", 1)
                for name, default in self.args.items():
                    value = value.replace(f"${{{name}}}", default)
                values[key] = value
        return values

    def pip_install(self) -> list[str]:
        """The arguments of the one `pip install` the image runs, e.g. ['.[deploy]']."""
        (run,) = [args for args in self.all("RUN") if args.startswith("pip install ")]
        return shlex.split(run.split("&&")[0])[2:]

    def healthcheck(self) -> str:
        """The shell command of HEALTHCHECK, as `/bin/sh -c` runs it in the container."""
        (check,) = self.all("HEALTHCHECK")
        return check.split(" CMD ", 1)[1]
