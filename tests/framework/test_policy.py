"""The course policy file: real files in a course folder, every mistake a PolicyError naming it."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from devdoctor.policy import SCHEMA, Policy, PolicyError, load_policy
from devdoctor.sizes import GiB, MiB
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DESIGN_EXAMPLE = """\
schema = 1
[course]
name = "Deep Learning 101"
forum_url = "https://edstem.org/..."
min_devdoctor = "0.3"
default_variant = "cpu"          # .devcontainer/cpu when several exist
[wsl]
memory = "8GB"                    # the least memory WSL must give the VM
swap = "8GB"
[docker]
memory = "8GB"
disk_free = "20GB"
[gpu]
required = "auto"                 # "auto" (when the chosen variant asks), true, false
[volume]
name = "vscode"                   # else taken from devcontainer.json mounts
stamp = ".local/.course-installed" # written last by the install script
[requirements]
files = ["requirements.txt"]
known_bad = [{ name = "spacy", version = "3.0.6", reason = "does not build from source" }]
[checks]
skip = ["vscode"]
[help]
wsl-memory = "https://course.example/wsl"
"""


def course(tmp_path: Path, text: str | bytes, name: str = ".devdoctor.toml") -> Path:
    repo = tmp_path / "course"
    repo.mkdir(exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    (repo / name).write_bytes(data)
    return repo


def error_for(tmp_path: Path, text: str | bytes, name: str = ".devdoctor.toml") -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(course(tmp_path, text, name))
    message = str(caught.value)
    assert "\n" not in message.strip() or "TOML" in message
    return message


# -- defaults -----------------------------------------------------------------------------------


def test_defaults_without_repository_or_policy(tmp_path: Path) -> None:
    for policy in (load_policy(None), load_policy(tmp_path)):
        assert policy == Policy()
        assert (policy.wsl_memory, policy.wsl_swap) == (8 * GiB, 8 * GiB)
        assert (policy.docker_memory, policy.docker_disk_free) == (8 * GiB, 20 * GiB)
        assert policy.gpu_required == "auto"
        assert policy.path is None and policy.sha256 is None
        assert policy.source("wsl.memory") == "devdoctor's default"


# -- the design's example -----------------------------------------------------------------------


def test_the_design_example_is_read_in_full(tmp_path: Path) -> None:
    repo = course(tmp_path, DESIGN_EXAMPLE)
    policy = load_policy(repo)
    assert policy.path == ".devdoctor.toml"
    assert policy.sha256 == hashlib.sha256(DESIGN_EXAMPLE.encode()).hexdigest()
    assert policy.schema == SCHEMA
    assert policy.course_name == "Deep Learning 101"
    assert policy.forum_url == "https://edstem.org/..."
    assert policy.min_devdoctor == "0.3"
    assert policy.default_variant == "cpu"
    assert policy.wsl_memory == policy.wsl_swap == policy.docker_memory == 8 * GiB
    assert policy.docker_disk_free == 20 * GiB
    assert policy.gpu_required == "auto"
    assert (policy.volume_name, policy.volume_stamp) == ("vscode", ".local/.course-installed")
    assert policy.requirement_files == ("requirements.txt",)
    assert policy.known_bad == (
        {"name": "spacy", "version": "3.0.6", "reason": "does not build from source"},
    )
    assert policy.skip == ("vscode",)
    assert dict(policy.help) == {"wsl-memory": "https://course.example/wsl"}
    assert policy.warnings == ()
    assert policy.source("wsl.memory") == ".devdoctor.toml [wsl] memory"
    assert policy.to_json() == {
        "path": ".devdoctor.toml",
        "sha256": policy.sha256,
        "warnings": [],
    }
    json.dumps(policy.to_json())


def test_pyproject_tool_devdoctor(tmp_path: Path) -> None:
    text = '[project]\nname = "course"\n\n[tool.devdoctor.wsl]\nmemory = "12GB"\n'
    policy = load_policy(course(tmp_path, text, "pyproject.toml"))
    assert policy.path == "pyproject.toml"
    assert policy.wsl_memory == 12 * GiB
    assert policy.wsl_swap == 8 * GiB
    assert policy.source("wsl.memory") == "pyproject.toml [wsl] memory"
    assert policy.source("wsl.swap") == "devdoctor's default"


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "x"\n',
        "[tool.black]\nline-length = 100\n",
        "tool = 5\n",
        'tool = "devdoctor"\n',
        "tool = [1, 2]\n",
        '[tool]\ndevdoctor = "yes"\n',
    ],
)
def test_a_pyproject_without_a_devdoctor_table_gives_the_defaults(
    tmp_path: Path, text: str
) -> None:
    assert load_policy(course(tmp_path, text, "pyproject.toml")) == Policy()


def test_the_own_file_wins_over_pyproject(tmp_path: Path) -> None:
    course(tmp_path, '[tool.devdoctor.wsl]\nmemory = "2GB"\n', "pyproject.toml")
    policy = load_policy(course(tmp_path, '[wsl]\nmemory = "16GB"\n'))
    assert (policy.path, policy.wsl_memory) == (".devdoctor.toml", 16 * GiB)


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    policy = load_policy(course(tmp_path, b'\xef\xbb\xbf[wsl]\nmemory = "4GB"\n'))
    assert policy.wsl_memory == 4 * GiB


# -- unknown keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[wsl]\nmemroy = "8GB"\n', "wsl.memroy"),
        ('[wls]\nmemory = "8GB"\n', "wls"),
        ('name = "Deep Learning"\n', "name"),
        ("[course]\nforum = 'x'\n", "course.forum"),
    ],
)
def test_an_unknown_key_names_the_key_and_the_file(tmp_path: Path, text: str, key: str) -> None:
    message = error_for(tmp_path, text)
    assert f"`{key}`" in message
    assert message.startswith(".devdoctor.toml: ")
    assert "known:" in message


def test_an_unknown_key_in_pyproject_names_the_table(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[tool.devdoctor.docker]\nmem = "8GB"\n', "pyproject.toml")
    assert message.startswith("pyproject.toml [tool.devdoctor]: ")
    assert "`docker.mem`" in message
    assert "docker.memory" in message  # the known keys of that table are offered


def test_a_newer_schema_turns_unknown_keys_into_warnings(tmp_path: Path) -> None:
    text = 'schema = 3\n[wsl]\nmemory = "16GB"\nprocessors = 4\n[network]\nproxy = "x"\n'
    policy = load_policy(course(tmp_path, text))
    assert policy.schema == 3
    assert policy.wsl_memory == 16 * GiB
    assert len(policy.warnings) == 3
    assert "schema 3" in policy.warnings[0] and "Upgrade devdoctor" in policy.warnings[0]
    assert any("`wsl.processors`" in w for w in policy.warnings)
    assert any("`network`" in w for w in policy.warnings)


@pytest.mark.parametrize("schema", ['"1"', "0", "-1", "true", "1.5", "[1]"])
def test_a_bad_schema_is_an_error(tmp_path: Path, schema: str) -> None:
    assert "schema must be a whole number" in error_for(tmp_path, f"schema = {schema}\n")


# -- sizes and types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ('"8GB"', 8 * GiB),
        ('"8 GiB"', 8 * GiB),
        ('"8g"', 8 * GiB),
        ('"512MB"', 512 * MiB),
        ('"7.5GB"', int(7.5 * GiB)),
        ("8589934592", 8 * GiB),
        ('"1TB"', 1024 * GiB),
        ("0", 0),
    ],
)
def test_sizes_are_binary(tmp_path: Path, value: str, size: int) -> None:
    assert load_policy(course(tmp_path, f"[docker]\ndisk_free = {value}\n")).docker_disk_free == (
        size
    )


@pytest.mark.parametrize(
    "value",
    [
        '"lots"',
        '"8 GBs"',
        '"-8GB"',
        '""',
        "-1",
        "8.5",
        "true",
        "[8]",
        "{ size = 8 }",
        "1979-05-27",
        '"' + "9" * 400 + 'GB"',
    ],
)
def test_a_bad_size_names_the_key(tmp_path: Path, value: str) -> None:
    message = error_for(tmp_path, f"[wsl]\nswap = {value}\n")
    assert "`wsl.swap`" in message and ".devdoctor.toml" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[course]\nname = 5\n", "course.name"),
        ("[course]\ndefault_variant = true\n", "course.default_variant"),
        ('[requirements]\nfiles = "requirements.txt"\n', "requirements.files"),
        ("[requirements]\nfiles = [1, 2]\n", "requirements.files"),
        ('[requirements]\nknown_bad = ["spacy==3.0.6"]\n', "requirements.known_bad"),
        ('[requirements]\nknown_bad = { name = "spacy" }\n', "requirements.known_bad"),
        ('[checks]\nskip = "vscode"\n', "checks.skip"),
        ('[gpu]\nrequired = "yes"\n', "gpu.required"),
        ("[gpu]\nrequired = 1\n", "gpu.required"),
        ("[gpu]\nrequired = 0\n", "gpu.required"),
        ("[gpu]\nrequired = 1.0\n", "gpu.required"),
        ("[help]\nwsl-memory = 3\n", "help.wsl-memory"),
    ],
)
def test_a_wrong_type_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    message = error_for(tmp_path, text)
    assert f"`{key}`" in message


@pytest.mark.parametrize(("value", "expected"), [("true", "true"), ("false", "false")])
def test_gpu_required_booleans(tmp_path: Path, value: str, expected: str) -> None:
    policy = load_policy(course(tmp_path, f"[gpu]\nrequired = {value}\n"))
    assert policy.gpu_required == expected


def test_a_section_that_is_not_a_table(tmp_path: Path) -> None:
    assert "[wsl] must be a table" in error_for(tmp_path, 'wsl = "8GB"\n')


# -- files that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"[wsl\nmemory = 1\n",
        b'[wsl]\nmemory = "8GB"\nmemory = "4GB"\n',
        b"\xff\xfe[\x00w\x00s\x00l\x00]\x00",  # UTF-16, as Notepad may save it
        b"[wsl]\nmemory = \x80\n",
        b"a = " + b"[" * 5000 + b"]" * 5000,
        b"a = " + b"{b = " * 3000 + b"1" + b"}" * 3000,
    ],
)
def test_unreadable_or_broken_toml_is_a_policy_error(tmp_path: Path, data: bytes) -> None:
    message = error_for(tmp_path, data)
    assert message.startswith(".devdoctor.toml: ")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_a_policy_file_without_read_permission(tmp_path: Path) -> None:
    repo = course(tmp_path, "schema = 1\n")
    (repo / ".devdoctor.toml").chmod(0)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(repo)


# -- fuzzing --------------------------------------------------------------------------------------

# The tables and keys devdoctor knows, so that generated documents reach the type checks.
KNOWN = {
    "course": ["name", "forum_url", "min_devdoctor", "default_variant"],
    "wsl": ["memory", "swap"],
    "docker": ["memory", "disk_free"],
    "gpu": ["required"],
    "volume": ["name", "stamp"],
    "requirements": ["files", "known_bad"],
    "checks": ["skip"],
    "help": ["wsl-memory", "anything"],
    "bogus": ["memory"],
}
KEYS = sorted({key for keys in KNOWN.values() for key in keys} | {"bogus", "schema"})

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["8GB", "auto", "512 MiB", "1.5g", "0", "-3GB", "9" * 30 + "G"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=8,
)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string for these characters
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + "}"


tables = st.sampled_from(sorted(KNOWN)).flatmap(
    lambda section: st.tuples(
        st.just(section),
        st.one_of(
            st.dictionaries(st.sampled_from([*KNOWN[section], "bogus"]), values, max_size=4),
            values,  # a section that is not a table
        ),
    )
)
documents = st.tuples(
    st.one_of(st.none(), st.sampled_from([1, 2]), values),  # schema
    st.lists(tables, max_size=5, unique_by=lambda t: t[0]),
).map(lambda doc: ({} if doc[0] is None else {"schema": doc[0]}) | dict(doc[1]))


def render(document: dict[str, Any]) -> str:
    lines = []
    tables = []
    for key, value in document.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f'"{key}" = {toml_value(value)}')
    for key, table in tables:
        lines.append(f'["{key}"]')
        lines.extend(f'"{k}" = {toml_value(v)}' for k, v in table.items())
    return "\n".join(lines) + "\n"


def load_text(data: bytes, name: str) -> Policy | None:
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        if name == "pyproject.toml":
            data = b"[tool.devdoctor]\n" + data
        (repo / name).write_bytes(data)
        try:
            return load_policy(repo)
        except PolicyError as exc:
            assert str(exc).strip()
            return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.sampled_from([".devdoctor.toml", "pyproject.toml"]))
def test_fuzz_structured_policies_give_a_policy_or_a_policy_error(
    document: dict[str, Any], name: str
) -> None:
    text = render(document)
    policy = load_text(text.encode(), name)
    if policy is not None:
        assert isinstance(policy.wsl_memory, int) and policy.wsl_memory >= 0
        assert policy.gpu_required in ("auto", "true", "false")
        assert all(isinstance(f, str) for f in policy.requirement_files)
        json.dumps(policy.to_json())


toml_ish = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[wsl]",
                "[docker]",
                "[gpu]",
                "[tool.devdoctor]",
                "[[requirements.known_bad]]",
                "schema = 1",
                "schema = 2",
                'memory = "8GB"',
                "memory = 8GB",
                "required = auto",
                'files = ["a", 1]',
                "a = [[[[",
                "= 1",
                "\ufeff",
                "\x00",
                "# comment",
                "'''",
                '"""',
                "x = 1979-05-27T07:32:00+99:00",
                "skip = []",
                "[wsl.memory]",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(toml_ish, st.sampled_from([".devdoctor.toml", "pyproject.toml"]))
def test_fuzz_toml_ish_text_never_raises_anything_but_policy_error(text: str, name: str) -> None:
    load_text(text.encode("utf-8", "surrogatepass"), name)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_bytes_never_raise_anything_but_policy_error(data: bytes) -> None:
    load_text(data, ".devdoctor.toml")
