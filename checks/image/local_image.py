"""What the engine knows of a base image already on this machine (`--deep` only): the Python
version its configuration declares and the digest or ID it has now.

The official python images (and Microsoft's devcontainers/python, built on them) declare
`ENV PYTHON_VERSION=3.11.9`; that beats a guess from the tag. Asked through the docker CLI
(which follows the user's context), bounded, and never pulling: an image that is not here is
simply not known.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from devdoctor import Host

INSPECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class LocalImage:
    """A base image present on this machine."""

    ref: str
    id: str
    digest: str | None
    python: str | None  # major.minor from PYTHON_VERSION, when declared


def parse_inspect(ref: str, text: str) -> LocalImage | None:
    """`docker image inspect --format '{{json .}}' REF` as a LocalImage."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        return None
    config = data.get("Config") if isinstance(data.get("Config"), dict) else {}
    env = config.get("Env") if isinstance(config, dict) else None
    python = None
    for entry in env if isinstance(env, list) else []:
        match = re.fullmatch(r"PYTHON_VERSION=(\d+)\.(\d+)(\.\S*)?", str(entry))
        if match:
            python = f"{match.group(1)}.{match.group(2)}"
    digests = data.get("RepoDigests")
    digest = digests[0] if isinstance(digests, list) and digests else None
    return LocalImage(ref, str(data.get("Id", "")), digest, python)


def local_image(host: Host, ref: str) -> LocalImage | None:
    """The image if the engine has it (asked once per run), else None."""

    def ask(h: Host) -> LocalImage | None:
        if not h.which("docker"):
            return None
        done = h.run(["docker", "image", "inspect", "--format", "{{json .}}", ref],
                     timeout=INSPECT_TIMEOUT)
        return parse_inspect(ref, done.out) if done.ok else None

    return host.fact(f"image.local:{ref}", ask)
