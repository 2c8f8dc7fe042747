"""Finding and reading devcontainer.json files, checked against real course repositories."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from devdoctor import Host
from devdoctor.checks.course.configs import (
    MAX_CONFIG_BYTES,
    ConfigError,
    ConfigFile,
    DevcontainerConfig,
    Mount,
    find_configs,
    load,
    referenced_paths,
)
from devdoctor.checks.course.host_requirements import HostRequirements
from devdoctor.checks.course.variables import substitute, variable_pattern
from devdoctor.repo import find_repo  # the one implementation (configs.py had a copy)

from tests import TESTS

SAMPLES = TESTS / "samples" / "devcontainer"
HOST = Host(env={}, repo_root=None)  # this machine, as a plain run sees it
MRC = SAMPLES / "devcontainer.nv-morpheus-MRC.devcontainer.json"
SYNERBI = SAMPLES / "devcontainer.SyneRBI-SIRF-Exercises.gpu.devcontainer.json"
DIND = SAMPLES / "devcontainer-feature.docker-in-docker.mounts-excerpt.json"
GiB = 1024**3


def _write(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _config(data: dict[str, Any], repo: Path = Path("/repo")) -> DevcontainerConfig:
    return DevcontainerConfig(
        ConfigFile(repo / ".devcontainer" / "devcontainer.json", "default"), data
    )


def _installed(tmp_path: Path, sample: Path, where: str) -> ConfigFile:
    """Put a sample where a course repository would have it."""
    target = tmp_path / "repo" / where
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample, target)
    (configs,) = [c for c in find_configs(tmp_path / "repo", host=HOST) if c.path == target]
    return configs


# ---------------------------------------------------------------- real samples


def test_mrc_sample(tmp_path: Path) -> None:
    file = _installed(tmp_path, MRC, ".devcontainer/devcontainer.json")
    repo = tmp_path / "repo"
    assert file.variant == "default"
    assert file.workspace_folder == repo
    cfg = load(file)
    # Comments and trailing commas (in settings and in mounts) were accepted.
    settings = cfg.data["customizations"]["vscode"]["settings"]
    assert settings == {
        "cmake.cmakePath": "cmake",
        "cmake.languageSupport.dotnetPath": "/usr/bin/dotnet",
    }
    assert cfg.lifecycle == {"initializeCommand": ["./.devcontainer/init.sh"]}
    assert [(m.source, m.target, m.type) for m in cfg.mounts] == [
        (
            "${localWorkspaceFolder}/.devcontainer/home/.gdbinit",
            "/home/${localEnv:USER}/.gdbinit",
            "bind",
        ),
        (
            "${localWorkspaceFolder}/.devcontainer/home/.config/gdb",
            "/home/${localEnv:USER}/.config/gdb",
            "bind",
        ),
        ("${localEnv:HOME}/.config/gh", "/home/${localEnv:USER}/.config/gh", "bind"),
    ]
    assert all(isinstance(m.raw, str) for m in cfg.mounts)
    assert cfg.remote_user == "${localEnv:USER}"
    assert cfg.container_user is None
    assert cfg.image is None
    assert cfg.run_args[:2] == ("--network=host", "--cap-add=SYS_PTRACE")
    assert cfg.wants_gpu is True
    assert cfg.host_requirements == HostRequirements(gpu=True)
    # "${localWorkspaceFolder}/Dockerfile" with context ".." (relative to .devcontainer/).
    assert cfg.dockerfile == repo / "Dockerfile"
    assert cfg.context == repo
    assert referenced_paths(cfg) == [
        ("build.dockerfile", repo / "Dockerfile"),
        ("build.context", repo),
    ]


def test_synerbi_sample(tmp_path: Path) -> None:
    file = _installed(tmp_path, SYNERBI, ".devcontainer/gpu/devcontainer.json")
    assert file.variant == "gpu"
    assert file.workspace_folder == tmp_path / "repo"
    cfg = load(file)
    host = cfg.host_requirements
    assert (host.cpus, host.memory, host.storage) == (2, 8 * GiB, 32 * GiB)
    assert host.gpu == {"cores": 100, "storage": "2gb"}
    assert host.problems == (
        'hostRequirements.gpu has an unknown key "storage" (allowed: cores, memory); '
        "the devcontainer CLI ignores it",
    )
    assert cfg.wants_gpu is True
    assert cfg.run_args == ("--gpus=all",)
    assert cfg.image == "ghcr.io/synerbi/sirf:petric"
    assert cfg.remote_user == "jovyan"
    # The commented-out initializeCommand and postStartCommand are not there.
    assert cfg.lifecycle == {"postCreateCommand": "bash ./scripts/download_data.sh -m -p"}
    assert cfg.dockerfile is None
    assert cfg.context is None
    assert referenced_paths(cfg) == []


def test_docker_in_docker_object_mount() -> None:
    cfg = load(ConfigFile(DIND, "default"))
    raw = {"source": "dind-var-lib-docker", "target": "/var/lib/docker", "type": "volume"}
    assert cfg.mounts == (Mount("dind-var-lib-docker", "/var/lib/docker", "volume", raw),)


def test_samples_load_in_place() -> None:
    for sample in (MRC, SYNERBI, DIND):
        assert isinstance(load(ConfigFile(sample, "default")).data, dict)


# ---------------------------------------------------------------- finding files


def test_find_configs_precedence_and_variants(tmp_path: Path) -> None:
    _write(tmp_path / ".devcontainer" / "devcontainer.json")
    _write(tmp_path / ".devcontainer.json")
    _write(tmp_path / ".devcontainer" / "gpu" / "devcontainer.json")
    _write(tmp_path / ".devcontainer" / "cpu" / "devcontainer.json")
    _write(tmp_path / ".devcontainer" / "Apple" / "devcontainer.json")
    _write(tmp_path / ".devcontainer" / "empty" / "Dockerfile", "FROM x")
    _write(tmp_path / ".devcontainer" / "deep" / "er" / "devcontainer.json")  # two levels: no
    _write(tmp_path / ".devcontainer" / "file-not-folder.json")
    (tmp_path / ".devcontainer" / "dir.json").mkdir()
    found = find_configs(tmp_path, host=HOST)
    assert [(c.path.relative_to(tmp_path).as_posix(), c.variant) for c in found] == [
        (".devcontainer/devcontainer.json", "default"),
        (".devcontainer.json", "default"),
        (".devcontainer/Apple/devcontainer.json", "Apple"),
        (".devcontainer/cpu/devcontainer.json", "cpu"),
        (".devcontainer/gpu/devcontainer.json", "gpu"),
    ]
    assert all(c.path.is_absolute() for c in found)
    assert all(c.workspace_folder == tmp_path for c in found)


def test_find_configs_top_level_file_only(tmp_path: Path) -> None:
    _write(tmp_path / ".devcontainer.json")
    assert find_configs(tmp_path, host=HOST) == [ConfigFile(tmp_path / ".devcontainer.json", "default")]


def test_find_configs_none(tmp_path: Path) -> None:
    assert find_configs(tmp_path, host=HOST) == []
    (tmp_path / ".devcontainer").mkdir()
    (tmp_path / ".devcontainer" / "devcontainer.json").mkdir()  # a folder, not a file
    assert find_configs(tmp_path, host=HOST) == []


def test_find_configs_relative_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / ".devcontainer.json")
    monkeypatch.chdir(tmp_path)
    assert find_configs(Path("."), host=HOST) == [ConfigFile(tmp_path / ".devcontainer.json", "default")]


def test_find_repo_from_deep_inside(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    (repo / ".git").mkdir(parents=True)
    _write(repo / ".devcontainer" / "devcontainer.json")
    (repo / "src" / "week1").mkdir(parents=True)
    assert find_repo(repo / "src" / "week1") == repo
    assert find_repo(repo) == repo
    notebook = _write(repo / "src" / "week1" / "lab.ipynb")
    assert find_repo(notebook) == repo


def test_find_repo_top_level_json(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path / ".devcontainer.json")
    (tmp_path / "a").mkdir()
    assert find_repo(tmp_path / "a") == tmp_path


def test_find_repo_stops_at_nested_git_root(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    _write(outer / ".devcontainer" / "devcontainer.json")
    submodule = outer / "vendor" / "lib"
    _write(submodule / ".git", "gitdir: ../../.git/modules/lib\n")  # a submodule's .git file
    (submodule / "src").mkdir()
    assert find_repo(submodule / "src") is None
    # ... but a nested repository with its own devcontainer is found.
    _write(submodule / ".devcontainer.json")
    assert find_repo(submodule / "src") == submodule


def test_find_repo_never_looks_above_git_root(tmp_path: Path) -> None:
    _write(tmp_path / ".devcontainer.json")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_repo(repo) is None


def test_find_repo_without_git(tmp_path: Path) -> None:
    _write(tmp_path / "unzipped" / ".devcontainer" / "devcontainer.json")
    (tmp_path / "unzipped" / "a" / "b").mkdir(parents=True)
    assert find_repo(tmp_path / "unzipped" / "a" / "b") == tmp_path / "unzipped"


def test_find_repo_prefers_nearest(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _write(tmp_path / ".devcontainer.json")
    _write(tmp_path / "sub" / ".devcontainer" / "devcontainer.json")
    assert find_repo(tmp_path / "sub") == tmp_path / "sub"


# ---------------------------------------------------------------- load errors


def _error(tmp_path: Path, content: bytes) -> ConfigError:
    path = tmp_path / ".devcontainer.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load(ConfigFile(path, "default"))
    assert info.value.path == path
    return info.value


def test_syntax_error_position(tmp_path: Path) -> None:
    error = _error(tmp_path, b'{\n  "image": "python:3.12"\n  "runArgs": []\n}\n')
    assert (error.line, error.column) == (3, 3)
    assert error.message == "expected ',' or '}' after a value"
    assert str(error) == f"{tmp_path / '.devcontainer.json'}:3:3: {error.message}"


def test_syntax_error_after_comment_with_crlf(tmp_path: Path) -> None:
    text = '// a comment\r\n{\r\n\t"name": "x",\r\n\t"image": "abc\r\n}\r\n'
    error = _error(tmp_path, text.encode())
    assert (error.line, error.column, error.message) == (
        4,
        11,
        "unterminated string (a closing '\"' is missing)",
    )


def test_not_an_object(tmp_path: Path) -> None:
    error = _error(tmp_path, b"[1, 2]")
    assert error.message.startswith("not a JSON object")
    assert (error.line, error.column) == (None, None)


def test_too_large(tmp_path: Path) -> None:
    error = _error(tmp_path, b"{" + b" " * MAX_CONFIG_BYTES + b"}")
    assert error.message.startswith("too large")


def test_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / ".devcontainer.json"
    path.write_bytes(b"{" + b" " * (MAX_CONFIG_BYTES - 2) + b"}")
    assert load(ConfigFile(path, "default")).data == {}


def test_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(ConfigFile(tmp_path / "missing.json", "default"))
    assert info.value.message.startswith("cannot read: ")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(ConfigError, match="cannot read"):
        load(ConfigFile(tmp_path / "folder.json", "default"))


def test_utf16_file(tmp_path: Path) -> None:
    error = _error(tmp_path, '{"image": "x"}'.encode("utf-16"))
    assert "UTF-16" in error.message


def test_bom_and_invalid_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path / ".devcontainer.json")
    path.write_bytes(b'\xef\xbb\xbf{"name": "caf\xe9"}')  # BOM, then a Latin-1 byte
    assert load(ConfigFile(path, "default")).data == {"name": "caf\ufffd"}


# ---------------------------------------------------------------- hostRequirements


@pytest.mark.parametrize(
    ("memory", "expected", "problem"),
    [
        ("8gb", 8 * GiB, None),
        ("16384mb", 16 * GiB, None),
        ("2tb", 2 * 1024**4, None),
        ("512kb", 512 * 1024, None),
        ("8589934592", 8 * GiB, None),
        (8589934592, 8 * GiB, None),
        (
            "8GB",
            8 * GiB,
            'hostRequirements.memory is "8GB"; the devcontainer CLI only understands lower-case '
            'units like "8gb" and reads this as 0, so the requirement is silently ignored',
        ),
        ("8 gb", 8 * GiB, 'like "8gb", and reads this as 0'),
        ("8g", 8 * GiB, 'like "8gb", and reads this as 0'),
        ("8GiB", 8 * GiB, 'like "8gb", and reads this as 0'),
        ("lots", None, 'hostRequirements.memory is "lots"; it should be a number with a unit'),
        ("8.5gb", None, "reads this as 0"),
        ("8b", None, "reads this as 0"),
        ("8", 8, 'the devcontainer CLI reads as 8 bytes; add a unit like "8gb"'),
        ([8], None, 'should be a string like "8gb", not a list'),
        ("9" * 5000 + "gb", None, "reads this as 0"),
    ],
)
def test_memory_units(memory: Any, expected: int | None, problem: str | None) -> None:
    host = _config({"hostRequirements": {"memory": memory}}).host_requirements
    assert host.memory == expected
    if problem is None:
        assert host.problems == ()
    else:
        (only,) = host.problems
        assert problem in only


def test_storage_uses_the_same_rules() -> None:
    host = _config({"hostRequirements": {"storage": "32GB"}}).host_requirements
    assert host.storage == 32 * GiB
    assert host.problems[0].startswith('hostRequirements.storage is "32GB"')


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ({"cpus": "2"}, 'hostRequirements.cpus should be a whole number of at least 1, not "2"'),
        ({"cpus": 0}, "not 0"),
        ({"cpus": True}, "not true"),
        ({"gpus": True}, 'hostRequirements has an unknown key "gpus"'),
        ({"gpu": "yes"}, "treats any other text as true"),
        ({"gpu": ""}, "treats an empty string as false"),
        ({"gpu": 1}, 'should be true, false or "optional", not 1'),
        ({"gpu": {"cores": 0}}, "hostRequirements.gpu.cores"),
        ({"gpu": {"memory": "4GB"}}, 'hostRequirements.gpu.memory is "4GB"'),
    ],
)
def test_host_requirement_problems(host: dict[str, Any], problem: str) -> None:
    (only,) = _config({"hostRequirements": host}).host_requirements.problems
    assert problem in only


def test_host_requirements_not_an_object() -> None:
    host = _config({"hostRequirements": "big"}).host_requirements
    assert host == HostRequirements(
        problems=("hostRequirements should be an object, not a string",)
    )
    assert _config({}).host_requirements == HostRequirements()


# ---------------------------------------------------------------- GPU


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, False),
        ({"hostRequirements": {"gpu": True}}, True),
        ({"hostRequirements": {"gpu": False}}, False),
        ({"hostRequirements": {"gpu": "optional"}}, "optional"),
        ({"hostRequirements": {"gpu": {}}}, True),  # truthy in JavaScript
        ({"hostRequirements": {"gpu": {"cores": 2}}}, True),
        ({"hostRequirements": {"gpu": "false"}}, True),  # a non-empty string is truthy
        ({"hostRequirements": {"cpus": 4}}, False),
        ({"hostRequirements": []}, False),
        ({"runArgs": ["--gpus", "all"]}, True),
        ({"runArgs": ["--gpus=all"]}, True),
        ({"runArgs": ["--gpus", "device=0"]}, True),
        ({"runArgs": ["--device", "nvidia.com/gpu=all"]}, True),
        ({"runArgs": ["--device=nvidia.com/gpu=0"]}, True),
        ({"runArgs": ["--runtime=nvidia"]}, True),
        ({"runArgs": ["--device", "/dev/fuse", "--network=host"]}, False),
        ({"runArgs": "--gpus all"}, False),  # not an array: ignored, like the CLI's spread
        # Flags in runArgs make docker run fail without a GPU: stronger than "optional".
        ({"runArgs": ["--gpus", "all"], "hostRequirements": {"gpu": "optional"}}, True),
    ],
)
def test_wants_gpu(data: dict[str, Any], expected: object) -> None:
    assert _config(data).wants_gpu == expected


# ---------------------------------------------------------------- mounts, users, lifecycle


@pytest.mark.parametrize(
    ("raw", "source", "target", "kind"),
    [
        ("source=vscode,target=/home/vscode,type=volume", "vscode", "/home/vscode", "volume"),
        ("src=/a,dst=/b,type=bind", "/a", "/b", "bind"),
        ("type=bind,source=/a,destination=/b,readonly", "/a", "/b", "bind"),
        ("source=cache,target=/cache", "cache", "/cache", "volume"),  # Docker's default type
        ("Source=x,Target=/y,Type=tmpfs", "x", "/y", "tmpfs"),
        ("source=a=b,target=/t", "a=b", "/t", "volume"),
        ("nonsense", "", "", "volume"),
        ({"source": "v", "target": "/t", "type": "bind"}, "v", "/t", "bind"),
        ({"target": "/t", "type": 3}, "", "/t", "volume"),
    ],
)
def test_mount_parsing(raw: str | dict[str, Any], source: str, target: str, kind: str) -> None:
    assert Mount.parse(raw) == Mount(source, target, kind, raw)


def test_mounts_tolerate_wrong_types() -> None:
    cfg = _config({"mounts": ["source=a,target=/a", 3, None, {"source": "b", "target": "/b"}]})
    assert [m.source for m in cfg.mounts] == ["a", "b"]
    assert _config({"mounts": "source=a,target=/a"}).mounts == ()


def test_wrong_types_give_empty_values() -> None:
    cfg = _config(
        {"image": 3, "remoteUser": ["x"], "containerUser": None, "runArgs": ["-it", 5], "build": 1}
    )
    assert cfg.image is None
    assert cfg.remote_user is None
    assert cfg.container_user is None
    assert cfg.run_args == ("-it",)
    assert cfg.dockerfile is None
    assert cfg.context is None
    assert referenced_paths(cfg) == []
    assert _config({"containerUser": "vscode"}).container_user == "vscode"


def test_lifecycle_run_order_and_forms() -> None:
    cfg = _config(
        {
            "postAttachCommand": "echo attach",
            "postCreateCommand": {"pip": ["pip", "install", "-e", "."], "apt": "apt-get update"},
            "initializeCommand": "git submodule update --init",
            "onCreateCommand": ["bash", "setup.sh"],
            "postStartCommand": 5,  # wrong type: left out
            "updateContentCommand": ["ok", 1],  # not all strings: left out
            "waitFor": "postCreateCommand",
        }
    )
    assert list(cfg.lifecycle) == [
        "initializeCommand",
        "onCreateCommand",
        "postCreateCommand",
        "postAttachCommand",
    ]
    assert cfg.lifecycle["postCreateCommand"] == {
        "pip": ["pip", "install", "-e", "."],
        "apt": "apt-get update",
    }
    assert _config({"postCreateCommand": {"a": {"b": "c"}}}).lifecycle == {}


# ---------------------------------------------------------------- Dockerfile and context


def test_context_defaults_to_dockerfile_folder() -> None:
    """The CLI's default context is the Dockerfile's folder, not the json's folder."""
    cfg = _config({"build": {"dockerfile": "../docker/Dockerfile"}})
    assert cfg.dockerfile == Path("/repo/docker/Dockerfile")
    assert cfg.context == Path("/repo/docker")
    assert referenced_paths(cfg) == [("build.dockerfile", Path("/repo/docker/Dockerfile"))]
    empty = _config({"build": {"dockerfile": "Dockerfile", "context": ""}})
    assert empty.context == Path("/repo/.devcontainer")


def test_build_context_relative_to_json() -> None:
    cfg = _config({"build": {"dockerfile": "Dockerfile", "context": ".."}})
    assert cfg.dockerfile == Path("/repo/.devcontainer/Dockerfile")
    assert cfg.context == Path("/repo")
    assert referenced_paths(cfg) == [
        ("build.dockerfile", Path("/repo/.devcontainer/Dockerfile")),
        ("build.context", Path("/repo")),
    ]


def test_legacy_dockerfile_wins() -> None:
    cfg = _config({"dockerFile": "Old.Dockerfile", "context": "..", "build": {"dockerfile": "New"}})
    assert cfg.dockerfile == Path("/repo/.devcontainer/Old.Dockerfile")
    assert cfg.context == Path("/repo")
    assert [label for label, _ in referenced_paths(cfg)] == ["dockerFile", "context"]


def test_image_config_has_no_context() -> None:
    cfg = _config({"image": "python:3.12", "build": {"context": ".."}})
    assert cfg.context is None
    assert referenced_paths(cfg) == []


def test_compose_files() -> None:
    cfg = _config({"dockerComposeFile": ["../compose.yml", "extra.yml"], "service": "app"})
    assert cfg.compose_files == (Path("/repo/compose.yml"), Path("/repo/.devcontainer/extra.yml"))
    assert referenced_paths(cfg) == [
        ("dockerComposeFile", Path("/repo/compose.yml")),
        ("dockerComposeFile", Path("/repo/.devcontainer/extra.yml")),
    ]
    single = _config({"dockerComposeFile": "docker-compose.yml"})
    assert single.compose_files == (Path("/repo/.devcontainer/docker-compose.yml"),)


def test_unresolved_paths_are_not_reported(tmp_path: Path) -> None:
    data = {"build": {"dockerfile": "${localEnv:DOCKERFILE_DIR}/Dockerfile", "context": "."}}
    unknown_env = _config(data)
    # The Dockerfile depends on the user's environment; the context does not.
    assert referenced_paths(unknown_env) == [("build.context", Path("/repo/.devcontainer"))]
    file = ConfigFile(Path("/repo/.devcontainer/devcontainer.json"), "default")
    known = DevcontainerConfig(file, data, local_env={"DOCKERFILE_DIR": "/opt/df"})
    assert known.dockerfile == Path("/opt/df/Dockerfile")
    assert referenced_paths(known) == [
        ("build.dockerfile", Path("/opt/df/Dockerfile")),
        ("build.context", Path("/repo/.devcontainer")),
    ]


def test_load_passes_local_env(tmp_path: Path) -> None:
    path = _write(tmp_path / ".devcontainer.json", '{"build": {"dockerfile": "${localEnv:D}"}}')
    cfg = load(ConfigFile(path, "default"), local_env={"D": "Custom.Dockerfile"})
    assert cfg.dockerfile == tmp_path / "Custom.Dockerfile"


# ---------------------------------------------------------------- variables


def _sub(value: str, **kwargs: Any) -> tuple[str, bool]:
    options: dict[str, Any] = {
        "local_env": {"USER": "ada", "HOME": "/home/ada"},
        "local_workspace_folder": "/home/ada/course",
        "devcontainer_id": None,
    }
    options.update(kwargs)
    result: tuple[str, bool] = substitute(value, **options)
    return result


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", ("plain", True)),
        ("/home/${localEnv:USER}/.gdbinit", ("/home/ada/.gdbinit", True)),
        ("${localEnv:HOME}/.config/gh", ("/home/ada/.config/gh", True)),
        ("${env:USER}", ("ada", True)),
        # Unset variables become their default, or "" as in the CLI (and a shell).
        ("x-${localEnv:NOPE}-y", ("x--y", True)),
        ("${localEnv:NOPE:fallback}", ("fallback", True)),
        ("${localEnv:USER:fallback}", ("ada", True)),
        ("${localEnv}", ("${localEnv}", False)),
        ("${localWorkspaceFolder}/.devcontainer", ("/home/ada/course/.devcontainer", True)),
        ("${localWorkspaceFolderBasename}", ("course", True)),
        ("vscode-home-${devcontainerId}", ("vscode-home-${devcontainerId}", False)),
        ("${containerWorkspaceFolder}/x", ("${containerWorkspaceFolder}/x", False)),
        ("${containerEnv:PATH}", ("${containerEnv:PATH}", False)),
        ("${somethingElse} ${localEnv:USER}", ("${somethingElse} ada", False)),
    ],
)
def test_substitute(value: str, expected: tuple[str, bool]) -> None:
    assert _sub(value) == expected


def test_substitute_known_ids_and_folders() -> None:
    assert _sub("vscode-home-${devcontainerId}", devcontainer_id="0abc") == (
        "vscode-home-0abc",
        True,
    )
    assert _sub(
        "${containerWorkspaceFolder}:${containerWorkspaceFolderBasename}",
        container_workspace_folder="/workspaces/course",
    ) == ("/workspaces/course:course", True)
    assert _sub(
        "${localWorkspaceFolderBasename}", local_workspace_folder="C:\\Users\\ada\\lab\\"
    ) == (
        "lab",
        True,
    )
    assert _sub("${localWorkspaceFolder}", local_workspace_folder=None) == (
        "${localWorkspaceFolder}",
        False,
    )
    assert _sub("${localEnv:USER}", resolve_local_env=False) == ("${localEnv:USER}", False)


def test_variable_pattern_for_volume_names() -> None:
    text, complete = _sub("vscode-home-${devcontainerId}")
    assert not complete
    pattern = variable_pattern(text)
    assert pattern.fullmatch("vscode-home-2j4v3k4kfr2d6n3u4hq4gqaj3hgvm4a1b5lakbv0m2ir6ob4nf5g")
    assert not pattern.fullmatch("vscode-home")
    assert not pattern.fullmatch("other-vscode-home-x")


def test_variable_pattern_escapes_literals() -> None:
    text, _ = _sub("${localEnv:USER}.cache+${devcontainerId}")
    pattern = variable_pattern(text)
    assert pattern.pattern.startswith(r"\Aada\.cache\+")
    assert pattern.fullmatch("ada.cache+123")
    assert not pattern.fullmatch("adaXcache+123")
    assert variable_pattern("no-variables").fullmatch("no-variables")
    assert variable_pattern("${a}-${b}").fullmatch("x-y")
