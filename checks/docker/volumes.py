"""Reading, archiving and resetting a Docker volume without running anything in it.

A volume is read through the engine's archive API from a container that is created and never
started, made from an empty image that devdoctor imports locally (an empty tar through the
API: no registry, nothing pulled, nothing executed). Single paths are looked at with HEAD
requests, so a home volume with gigabytes of packages is never downloaded just to be checked
(what home-volume looks for with them is in volume_look.py).

`ResetVolume` is the destructive half: it saves the volume's contents as a tar archive in the
undo journal, removes the stopped devcontainer containers the plan named and then the volume,
and `devdoctor undo` recreates the volume and puts the archive back into it.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from devdoctor import Change, ChangeError, Host

from .api import CLIENT_TIMEOUT, Api
from .client import client, engine_error
from .engine import engine

EMPTY_REPOSITORY = "devdoctor/empty"
EMPTY_TAG = "1"
EMPTY_IMAGE = f"{EMPTY_REPOSITORY}:{EMPTY_TAG}"
READER_LABEL = "devdoctor.volume-reader"
MOUNT = "/devdoctor-volume"
ARCHIVE = "volume.tar"
LOCAL_FOLDER_LABEL = "devcontainer.local_folder"


class VolumeError(Exception):
    """The engine would not let devdoctor read or change a volume, in plain words."""


# -- the never-started reader --------------------------------------------------------------------


def _empty_tar() -> bytes:
    import tarfile  # 5 ms, needed only when the reader's image must be made

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(".")
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
    return buffer.getvalue()


def ensure_empty_image(api: Any) -> str:
    """devdoctor's empty image, imported from an empty tar when this engine lacks it."""
    from docker.errors import ImageNotFound, NotFound

    try:
        api.inspect_image(EMPTY_IMAGE)
        return EMPTY_IMAGE
    except (ImageNotFound, NotFound):
        pass
    api.import_image_from_data(
        _empty_tar(),
        repository=EMPTY_REPOSITORY,
        tag=EMPTY_TAG,
        changes=[f"LABEL {READER_LABEL}=1"],
    )
    return EMPTY_IMAGE


@contextlib.contextmanager
def reader(api: Any, volume: str, *, writable: bool = False) -> Iterator[str]:
    """A created, never-started container with the volume at MOUNT; removed afterwards.

    The volume must exist: naming a missing one would make the engine create it.
    """
    image = ensure_empty_image(api)
    host_config = api.create_host_config(
        binds={volume: {"bind": MOUNT, "mode": "rw" if writable else "ro"}},
        network_mode="none",
    )
    created = api.create_container(
        image,
        command=["/devdoctor-never-started"],
        host_config=host_config,
        labels={READER_LABEL: "1"},
        network_disabled=True,
    )
    container = str(created["Id"])
    try:
        yield container
    finally:
        with contextlib.suppress(Exception):  # cleanup must not hide what happened inside
            api.remove_container(container, force=True)


def stat_path(api: Any, container: str, path: str) -> dict[str, Any] | None:
    """The engine's stat of a path in the container (HEAD, no contents), or None if absent."""
    from docker.utils import decode_json_header

    url = api._url("/containers/{0}/archive", container)
    response = api.head(url, params={"path": path}, timeout=CLIENT_TIMEOUT)
    if response.status_code == 404:
        return None
    api._raise_for_status(response)
    header = response.headers.get("X-Docker-Container-Path-Stat")
    found = decode_json_header(header) if header else {}
    return found if isinstance(found, dict) else {}


def read_small(api: Any, container: str, path: str, limit: int) -> tuple[bytes | None, str]:
    """A small regular file's bytes through the archive API, or None and why not.

    The engine's stat comes first (a HEAD), so a file over `limit` is never downloaded; the
    tar stream is then read to at most the file's size and two headers, and closed.
    """
    import tarfile  # 5 ms, only when there is a file to read

    found = stat_path(api, container, path)
    if found is None:
        return None, "missing"
    if found.get("linkTarget"):
        return None, f"a symbolic link to {found['linkTarget']}, not a file"
    size = int(found.get("size") or 0)
    if size > limit:
        return None, f"{size} bytes, more than a stamp's {limit}"
    url = api._url("/containers/{0}/archive", container)
    response = api._get(
        url,
        params={"path": path},
        stream=True,
        headers={"Accept-Encoding": "identity"},
        timeout=CLIENT_TIMEOUT,
    )
    try:
        api._raise_for_status(response)
        raw = response.raw.read(limit + 8 * 512, decode_content=False) or b""  # PAX headers too
    finally:
        response.close()
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            member = tar.next()
            if member is None or not member.isfile():
                return None, "not a regular file"
            handle = tar.extractfile(member)
            data = handle.read(limit + 1) if handle is not None else b""
    except (tarfile.TarError, EOFError) as exc:
        return None, f"the engine's archive of it could not be read ({exc})"
    if len(data) > limit:
        return None, f"more than a stamp's {limit} bytes"
    return data, ""


# -- the containers that hold a volume -----------------------------------------------------------


class Holder(NamedTuple):
    """A container that has the volume mounted."""

    id: str
    name: str
    running: bool
    devcontainer: bool
    local_folder: str | None


def holders(api: Api, volume: str) -> tuple[Holder, ...]:
    """Containers (running or not) that mount the volume, devdoctor's readers left out."""
    found = []
    for row in api.containers(filters={"volume": volume}):
        labels = row.get("Labels") or {}
        if READER_LABEL in labels:
            continue
        names = row.get("Names") or [row.get("Id", "")[:12]]
        found.append(
            Holder(
                id=str(row.get("Id")),
                name=str(names[0]).lstrip("/"),
                running=row.get("State") in ("running", "paused", "restarting"),
                devcontainer=LOCAL_FOLDER_LABEL in labels,
                local_folder=labels.get(LOCAL_FOLDER_LABEL),
            )
        )
    return tuple(found)


def volume_names(api: Api) -> list[str]:
    """Every volume the engine has."""
    return sorted(str(v.get("Name")) for v in api.volumes())


# -- the destructive change ----------------------------------------------------------------------


def engine_api(host: Host) -> Api:
    """The engine's read-only questions (no docker SDK)."""
    found = engine(host).api
    if found is None:
        raise VolumeError("the Docker engine does not answer; start it and try again")
    return found


def sdk_api(host: Host) -> Any:
    """The docker SDK's low-level client, for containers and archives."""
    found = client(host)
    if found is None:
        raise VolumeError("the Docker engine does not answer; start it and try again")
    return found.api


@dataclass(frozen=True)
class ResetVolume(Change):
    """Archive a volume into the journal, remove the named stopped containers, then the volume."""

    kind: ClassVar[str] = "reset-volume"
    volume: str
    containers: tuple[str, ...] = ()  # ids of stopped devcontainer containers to remove
    names: tuple[str, ...] = ()  # their names, for people

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "volume": self.volume, "containers": list(self.names)}

    def preview(self, host: Host) -> str:
        lines = [f"# save the contents of volume {self.volume} as {ARCHIVE} in the undo journal"]
        lines += [f"$ docker rm {name}   # a stopped devcontainer container" for name in self.names]
        lines.append(f"$ docker volume rm {self.volume}")
        lines.append(
            "  # the next Reopen in Container makes a fresh volume and installs everything again"
        )
        return "\n".join(lines)

    def changed_since(self, host: Host) -> str | None:
        try:
            api = engine_api(host)
            if self.volume not in volume_names(api):
                return f"volume {self.volume} no longer exists"
            return _blockers(holders(api, self.volume), set(self.containers), self.volume)
        except VolumeError as exc:
            return str(exc)
        except Exception as exc:  # the engine's errors (requests, docker) in plain words
            return f"cannot ask the Docker engine about {self.volume}: {engine_error(exc)}"

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        # The fix engine treats OSError as "the backup could not be saved": nothing changes.
        try:
            inspected = engine_api(host).inspect_volume(self.volume)
            if inspected is None:
                raise OSError(f"volume {self.volume} no longer exists")
            digest, size = _save_archive(sdk_api(host), self.volume, folder / ARCHIVE)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"cannot archive volume {self.volume}: {engine_error(exc)}") from None
        return {
            "kind": self.kind,
            "volume": self.volume,
            "driver": inspected.get("Driver") or "local",
            "driver_opts": inspected.get("Options") or {},
            "labels": inspected.get("Labels") or {},
            "archive": ARCHIVE,
            "sha256": digest,
            "bytes": size,
            "containers": list(self.names),
        }

    def apply(self, host: Host) -> None:
        from docker.errors import NotFound

        try:
            found = holders(engine_api(host), self.volume)
            blocker = _blockers(found, set(self.containers), self.volume)
            if blocker:
                raise ChangeError(blocker)
            sdk = sdk_api(host)
            for container in self.containers:
                with contextlib.suppress(NotFound):
                    sdk.remove_container(container, v=False)
            sdk.remove_volume(self.volume)
        except (ChangeError, VolumeError):
            raise
        except Exception as exc:
            raise ChangeError(f"cannot remove volume {self.volume}: {engine_error(exc)}") from None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        name = str(record["volume"])
        archive = folder / str(record["archive"])
        try:
            if name in volume_names(engine_api(host)):
                raise ChangeError(
                    f"volume {name} exists again (a rebuild made a new one); not touching it. "
                    f"Remove it with `docker volume rm {name}` to get the saved one back."
                )
            if _sha256(archive) != record["sha256"]:
                raise ChangeError(f"{archive} changed since devdoctor saved it; not restoring it")
            api = sdk_api(host)
            api.create_volume(
                name,
                driver=record.get("driver") or "local",
                driver_opts=record.get("driver_opts") or None,
                labels=record.get("labels") or None,
            )
            with reader(api, name, writable=True) as container, archive.open("rb") as data:
                if not api.put_archive(container, "/", data):
                    raise ChangeError(f"the engine did not take the archive back into {name}")
        except (ChangeError, VolumeError):
            raise
        except OSError:
            raise
        except Exception as exc:
            raise ChangeError(f"cannot restore volume {name}: {engine_error(exc)}") from None

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        size = int(record.get("bytes", 0))
        lines = [
            f"$ docker volume create {record['volume']}",
            f"# put back {size} bytes from {folder / str(record['archive'])} into it",
        ]
        if record.get("containers"):
            lines.append(
                "# the removed containers are not recreated: Reopen in Container makes new ones"
            )
        return "\n".join(lines)


def _blockers(found: tuple[Holder, ...], planned: set[str], volume: str) -> str | None:
    """Why the volume must not be removed now, or None."""
    for holder in found:
        if holder.running:
            return (
                f"container {holder.name} is running and uses volume {volume}: close the VS Code "
                "window attached to it (or `docker stop` it) first"
            )
    for holder in found:
        if holder.id not in planned:
            return f"container {holder.name} uses volume {volume} and was not in the plan"
    return None


def _save_archive(api: Any, volume: str, target: Path) -> tuple[str, int]:
    """Stream the volume's contents into a tar file, fsynced; its sha256 and size."""
    import hashlib  # only when a fix saves a volume, not on every check

    digest = hashlib.sha256()
    size = 0
    with reader(api, volume) as container:
        stream, _stat = api.get_archive(container, MOUNT)
        with target.open("wb") as out:
            for chunk in stream:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    import hashlib  # only when undo puts a volume back

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
