"""The devcontainer check on real course repositories: parse errors, missing files, this host.

Hardware facts come from stand-in programs first on PATH (nvidia-smi, sysctl), the way a TA
replays a student's machine; everything else is the real file system and the real git.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from devdoctor import Finding, Status
from devdoctor.checks.course.configs import ConfigFile, DevcontainerConfig
from devdoctor.checks.course.devcontainer import Devcontainer
from devdoctor.checks.course.variant import script_in_repo
from devdoctor.checks.image.dockerfile import dockerfile_stages

from tests.scenario import Answer, Scenario, by_code, codes

SETUP = "#!/bin/bash\necho ok\n"


NO_GPU = {
    "nvidia-smi": Answer(
        stderr="NVIDIA-SMI has failed because it could not communicate\n", rc=9
    )
}
GPU = {"nvidia-smi": Answer("GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)\n")}


def scene_with(tmp_path: Path, programs: dict[str, Answer], **extra: str) -> Scenario:
    """This machine's file system with stand-in programs first on PATH."""
    scene = Scenario(tmp_path, rooted=False, **extra)
    for name, answer in programs.items():
        scene.program(name, answer)
    return scene


def check(scene: Scenario, repo: Path, **options: object) -> list[Finding]:
    return scene.check(Devcontainer(), repo=repo, **options)


# ------------------------------------------------------------------------- finding it


def test_no_repository_is_a_warning_not_an_all_clear(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    (finding,) = check(scene, tmp_path / "nowhere")
    assert (finding.code, finding.status) == ("devcontainer/not-found", Status.WARN)
    assert "course checks not run" in finding.summary and "--repo" in finding.detail


NOT_OUTSIDE_A_REPOSITORY = (
    "devdoctor.checks.gpu",
    "devdoctor.checks.image",
    *(
        f"devdoctor.checks.course.{name}"
        for name in ("commands", "compose", "configs", "variant", "shell", "bash_syntax")
    ),
)


def test_no_repository_imports_none_of_the_readers(tmp_path: Path) -> None:
    """Outside a course repository the check needs none of its readers, and `devdoctor check`
    there must not pay their start-up (about 10 ms): a fresh interpreter shows what it loads."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from devdoctor.host import Host\n"
        "from devdoctor.checks.course.devcontainer import Devcontainer\n"
        f"host = Host(root=Path({str(tmp_path)!r}), env={{}}, repo_root=None)\n"
        "findings = [(f.code, f.status.value, f.summary) for f in Devcontainer().run(host)]\n"
        f"loaded = [m for m in {NOT_OUTSIDE_A_REPOSITORY!r}\n"
        "          if any(n == m or n.startswith(m + '.') for n in sys.modules)]\n"
        "print(repr((findings, loaded)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    findings, loaded = ast.literal_eval(done.stdout.strip())
    assert findings == [
        (
            "devcontainer/not-found",
            Status.WARN.value,
            "no course repository found: course checks not run",
        )
    ]
    assert loaded == []


def test_a_repository_without_configuration_is_a_warning(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "hello\n"})
    (finding,) = check(scene, repo)
    assert finding.code == "devcontainer/not-found"
    assert finding.summary == (
        "no devcontainer configuration in the repository: course checks not run"
    )
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 0  # a warning; `--strict` makes it fail
    statuses = {r["id"]: r["status"] for r in json.loads(done.stdout)["results"]}
    assert statuses == {
        "devcontainer": "warn",
        "script-shebangs": "skip",
        "line-endings": "skip",
        "requirements-pins": "ok",
        "dockerfile-layout": "skip",
    }
    assert scene.cli("check", "--course", "--strict", "--repo", str(repo)).returncode == 1


def test_found_from_a_subfolder_up_to_the_git_root(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"src/a/x.py": ""}, config={"image": "debian:12"})
    (finding,) = check(scene, repo / "src" / "a")
    assert finding.code == "devcontainer/ok"
    assert finding.summary == (
        ".devcontainer/devcontainer.json parses and names files that exist "
        "(default: the only configuration)"
    )


def test_jsonc_with_comments_and_trailing_commas_is_fine(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    text = '{\n  // the course image\n  "image": "debian:12", /* pinned */\n  "runArgs": [],\n}\n'
    repo = scene.course({}, config=text)
    assert codes(check(scene, repo)) == [("devcontainer/ok", Status.OK)]


def test_a_syntax_error_fails_with_line_and_column(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    text = '{\n  "image": "debian:12"\n  "postCreateCommand": "./setup.sh"\n}\n'
    repo = scene.course({}, config=text)
    (finding,) = check(scene, repo)
    assert (finding.code, finding.status) == ("devcontainer/invalid-json", Status.FAIL)
    assert finding.summary == (
        ".devcontainer/devcontainer.json line 3, column 3: expected ',' or '}' after a value"
    )
    assert dict(finding.evidence) == {"line": "3", "column": "3"}
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 1
    (result,) = [r for r in json.loads(done.stdout)["results"] if r["id"] == "devcontainer"]
    assert result["status"] == "fail" and "line 3, column 3" in result["summary"]


def test_utf16_configuration_is_unreadable_not_an_error(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course(
        {".devcontainer/devcontainer.json": '{"image": "x"}'.encode("utf-16")}
    )
    (finding,) = check(scene, repo)
    assert (finding.code, finding.status) == ("devcontainer/unreadable", Status.FAIL)
    assert "UTF-16" in finding.summary


# ------------------------------------------------------------------------- what it names


def test_missing_dockerfile_context_and_scripts(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {
        "build": {"dockerfile": "Dockerfile.gpu", "context": "../docker"},
        "postCreateCommand": "cd .devcontainer && ./setup.sh && bash ../tools/missing.sh",
        "postStartCommand": ["./.devcontainer/start.sh"],
    }
    repo = scene.course({".devcontainer/setup.sh": SETUP}, config=config)
    findings = check(scene, repo)
    assert {f.status for f in findings} == {Status.FAIL}
    found = {(f.code, f.subject) for f in findings}
    assert found == {
        ("devcontainer/missing-file", ".devcontainer/Dockerfile.gpu"),
        ("devcontainer/missing-file", "docker"),
        ("devcontainer/missing-script", "tools/missing.sh"),
        ("devcontainer/missing-script", ".devcontainer/start.sh"),
    }
    (start,) = [f for f in findings if f.subject == ".devcontainer/start.sh"]
    assert start.summary == (
        ".devcontainer/devcontainer.json: postStartCommand names .devcontainer/start.sh, a script "
        "that is not in the repository"
    )


def test_names_that_resolve_are_not_reported(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {
        "build": {"dockerfile": "Dockerfile", "context": ".."},
        "initializeCommand": "bash .devcontainer/init.sh",
        "postCreateCommand": "sudo -E bash ${containerWorkspaceFolder}/.devcontainer/setup.sh",
        "postStartCommand": "/usr/local/bin/in-the-image.sh && ~/bin/home.sh && npm install",
    }
    files = {
        ".devcontainer/Dockerfile": "FROM debian:12\n",
        ".devcontainer/setup.sh": SETUP,
        ".devcontainer/init.sh": SETUP,
    }
    repo = scene.course(files, config=config)
    assert codes(check(scene, repo)) == [("devcontainer/ok", Status.OK)]


def test_a_file_that_exists_only_here_is_flagged(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {"build": {"dockerfile": "Dockerfile"}, "postCreateCommand": "./setup.sh"}
    repo = scene.course({"setup.sh": SETUP}, config=config)
    (repo / ".devcontainer" / "Dockerfile").write_text("FROM debian:12\n")  # never committed
    (finding,) = check(scene, repo)
    assert (finding.code, finding.status) == ("devcontainer/untracked-file", Status.WARN)
    assert finding.subject == ".devcontainer/Dockerfile"
    assert "fresh clone" in finding.detail


# ------------------------------------------------------------------------- hostRequirements


def test_upper_case_units_are_read_as_zero_by_the_cli(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {"image": "debian:12", "hostRequirements": {"memory": "8GB", "storage": "32gb"}}
    repo = scene.course({}, config=config)
    (finding,) = [f for f in check(scene, repo) if f.code == "devcontainer/host-requirements"]
    assert finding.status is Status.WARN
    assert '"8GB"' in finding.summary and "reads this as 0" in finding.summary


def test_requirements_beyond_this_computer(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    wanted = {"cpus": 4096, "memory": "65536gb", "storage": "1048576gb"}
    repo = scene.course({}, config={"image": "debian:12", "hostRequirements": wanted})
    findings = check(scene, repo)
    assert codes(findings) == [
        ("devcontainer/too-few-cpus", Status.WARN),
        ("devcontainer/too-little-memory", Status.WARN),
        ("devcontainer/too-little-storage", Status.WARN),
    ]
    memory = by_code(findings, "devcontainer/too-little-memory")
    assert memory.summary.startswith("the course asks for 64 TiB of memory; this computer has")
    assert dict(memory.evidence)["needed"] == "64 TiB"


def test_inside_wsl_memory_and_storage_are_where_the_engine_gets_them(tmp_path: Path) -> None:
    """WSL's VM memory (not "this computer"), and free disk on C:, where Docker Desktop's
    disk image is (not the distro's own virtual disk)."""

    scene = Scenario(tmp_path).platform("wsl")
    wanted = {"memory": "65536gb", "storage": "1048576gb"}
    scene.course({}, config={"image": "debian:12", "hostRequirements": wanted})
    scene.file("/mnt/c/")
    scene.file("/proc/meminfo", "MemTotal: 4020092 kB\nSwapTotal: 1048576 kB\n")
    findings = scene.check(Devcontainer())
    memory = by_code(findings, "devcontainer/too-little-memory")
    assert memory.summary == "the course asks for 64 TiB of memory; WSL has 3.8 GiB"
    assert "wsl-memory" in memory.detail
    storage = by_code(findings, "devcontainer/too-little-storage")
    assert dict(storage.evidence)["found"].endswith("(free space at /mnt/c)")


def test_policy_and_host_requirements_disagree(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {".devdoctor.toml": 'schema = 1\n[docker]\nmemory = "4GB"\n'}
    config = {"image": "debian:12", "hostRequirements": {"memory": "1gb"}}
    repo = scene.course(files, config=config)
    assert codes(check(scene, repo)) == [("devcontainer/ok", Status.OK)]
    config["hostRequirements"] = {"memory": "6gb"}
    (repo / ".devcontainer" / "devcontainer.json").write_text(json.dumps(config))
    finding = by_code(check(scene, repo), "devcontainer/policy-conflict")
    assert finding.status is Status.INFO
    assert finding.summary == (
        ".devdoctor.toml asks for 4 GiB (docker.memory) but hostRequirements.memory asks for 6 GiB"
    )


@pytest.mark.parametrize(
    ("programs", "config", "expected"),
    [
        (NO_GPU, {"hostRequirements": {"gpu": "optional"}}, ("gpu-optional", Status.INFO)),
        (NO_GPU, {"hostRequirements": {"gpu": True}}, ("gpu-required", Status.WARN)),
        (NO_GPU, {"runArgs": ["--gpus", "all"]}, ("gpus-without-gpu", Status.FAIL)),
        (NO_GPU, {"runArgs": ["--gpus=all"]}, ("gpus-without-gpu", Status.FAIL)),
        (GPU, {"runArgs": ["--gpus", "all"]}, ("gpu", Status.OK)),
        (GPU, {"hostRequirements": {"gpu": True}}, ("gpu", Status.OK)),
    ],
)
def test_gpu_against_this_host(
    tmp_path: Path,
    programs: dict[str, Answer],
    config: dict[str, object],
    expected: tuple[str, Status],
) -> None:
    scene = scene_with(tmp_path, programs)
    repo = scene.course({}, config={"image": "debian:12", **config})
    findings = check(scene, repo)
    assert [(f.code, f.status) for f in findings if "gpu" in f.code] == [
        (f"devcontainer/{expected[0]}", expected[1])
    ]
    if expected[0] == "gpus-without-gpu":
        assert 'could not select device driver "" with capabilities: [[gpu]]' in findings[0].detail
    if expected[0] == "gpu-optional":
        assert not [f for f in findings if f.status in (Status.WARN, Status.FAIL)]


def test_a_mac_gives_containers_no_gpu(tmp_path: Path) -> None:
    scene = scene_with(tmp_path, {**GPU, "sysctl": Answer("1\n")}, DEVDOCTOR_PLATFORM="macos")
    repo = scene.course({}, config={"image": "debian:12", "runArgs": ["--gpus", "all"]})
    finding = by_code(check(scene, repo), "devcontainer/gpus-without-gpu")
    assert dict(finding.evidence)["found"] == "Docker Desktop on macOS gives containers no GPU"


# ------------------------------------------------------------------------- image platform


AMD64_DOCKERFILE = (
    "ARG BASE=mcr.microsoft.com/devcontainers/base:bookworm\n"
    "FROM --platform=linux/amd64 ${BASE} AS build\n"
    "FROM build\n"
)


@pytest.mark.parametrize(("arm64", "expected"), [("1", 1), ("0", 0)])
def test_amd64_image_on_apple_silicon(tmp_path: Path, arm64: str, expected: int) -> None:
    scene = scene_with(tmp_path, {"sysctl": Answer(f"{arm64}\n")}, DEVDOCTOR_PLATFORM="macos")
    config = {"build": {"dockerfile": "Dockerfile"}}
    repo = scene.course({".devcontainer/Dockerfile": AMD64_DOCKERFILE}, config=config)
    found = [f for f in check(scene, repo) if f.code == "devcontainer/amd64-image"]
    assert len(found) == expected
    if found:
        assert found[0].summary == (
            "FROM on line 2 of Dockerfile pins linux/amd64, and this Mac has an Apple Silicon "
            "(arm64) CPU"
        )
        assert found[0].status is Status.WARN and "Rosetta" in found[0].detail


def test_amd64_in_run_args_on_apple_silicon(tmp_path: Path) -> None:
    scene = scene_with(tmp_path, {"sysctl": Answer("1\n")}, DEVDOCTOR_PLATFORM="macos")
    config = {"image": "debian:12", "runArgs": ["--platform", "linux/amd64"]}
    repo = scene.course({}, config=config)
    finding = by_code(check(scene, repo), "devcontainer/amd64-image")
    assert finding.summary.startswith("runArgs in devcontainer.json pins linux/amd64")


def test_dockerfile_stages_follow_args_and_continuations(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "# syntax=docker/dockerfile:1\nARG TAG=12\nFROM \\\n  --platform=$PLAT debian:${TAG} AS a\n"
        "RUN echo\nfrom a\n"
    )
    stages = dockerfile_stages(path, {"PLAT": "linux/amd64"})
    assert [(s.line, s.image, s.platform, s.name) for s in stages] == [
        (3, "debian:12", "linux/amd64", "a"),
        (6, "a", None, None),
    ]


# ------------------------------------------------------------------------- variants


def _variants(scene: Scenario, policy: str = "") -> Path:
    files = {
        ".devcontainer/cpu/devcontainer.json": json.dumps({"image": "debian:12"}),
        ".devcontainer/gpu/devcontainer.json": json.dumps(
            {"image": "debian:12", "runArgs": ["--gpus", "all"]}
        ),
    }
    if policy:
        files[".devdoctor.toml"] = policy
    return scene.course(files)


def test_the_variant_that_fits_this_host_is_named_with_the_reason(tmp_path: Path) -> None:
    scene = scene_with(tmp_path, NO_GPU)
    repo = _variants(scene)
    findings = check(scene, repo)
    assert codes(findings) == [
        ("devcontainer/variant", Status.INFO),
        ("devcontainer/ok", Status.OK),
    ]
    assert (
        findings[0].summary
        == "using the cpu configuration (the default configuration); also here: gpu"
    )
    scene.program("nvidia-smi", GPU["nvidia-smi"])
    assert check(scene, repo)[0].summary.startswith(
        "using the gpu configuration (this computer has an NVIDIA GPU)"
    )


def test_nvidia_smi_is_asked_once_per_run(tmp_path: Path) -> None:
    """Choosing the variant and checking --gpus share one answer."""
    scene = scene_with(tmp_path, GPU)
    repo = _variants(scene)
    findings = check(scene, repo)
    assert findings[0].summary.startswith("using the gpu configuration")
    assert ("devcontainer/gpu", Status.OK) in codes(findings)
    assert len(scene.calls("nvidia-smi")) == 1


def test_wsl_nvidia_smi_is_run_from_under_root(tmp_path: Path) -> None:
    """A captured WSL host's /usr/lib/wsl/lib/nvidia-smi, not the machine replaying it."""
    from devdoctor.checks.gpu import host_has_gpu

    scene = Scenario(tmp_path, system=False).platform("wsl")
    scene.program("nvidia-smi", NO_GPU["nvidia-smi"])
    smi = scene.program("nvidia-smi", GPU["nvidia-smi"], at="/usr/lib/wsl/lib")
    assert host_has_gpu(scene.host())
    smi.unlink()
    assert not host_has_gpu(scene.host())


def test_config_and_policy_choose_the_variant(tmp_path: Path) -> None:
    scene = scene_with(tmp_path, NO_GPU)
    repo = _variants(scene, 'schema = 1\n[course]\ndefault_variant = "gpu"\n')
    findings = check(scene, repo)
    assert findings[0].summary.startswith(
        "using the gpu configuration (the policy's default_variant)"
    )
    assert ("devcontainer/gpus-without-gpu", Status.FAIL) in codes(findings)
    chosen = check(scene, repo, config="cpu")
    assert chosen[0].summary.startswith("using the cpu configuration (--config)")
    wrong = check(scene, repo, config="tpu")
    assert wrong[0].code == "devcontainer/no-such-variant"


def test_course_mode_lints_every_variant(tmp_path: Path) -> None:
    scene = scene_with(tmp_path, NO_GPU)
    repo = _variants(scene)
    (repo / ".devcontainer/gpu/devcontainer.json").write_text('{"image": "x",, }')
    scene.git("commit", "-qam", "typo", repo=repo)
    student = codes(check(scene, repo))
    assert ("devcontainer/invalid-json", Status.FAIL) not in student
    staff = check(scene, repo, course=True)
    broken = by_code(staff, "devcontainer/invalid-json")
    assert broken.subject == ".devcontainer/gpu/devcontainer.json"
    assert broken.summary.endswith(
        "line 1, column 15: expected a key in double quotes or '}', found ','"
    )


# ------------------------------------------------------------------------- Windows hosts


def test_posix_initialize_command_on_windows(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False, DEVDOCTOR_PLATFORM="windows", USERPROFILE=str(tmp_path / "home"))
    config = {"image": "debian:12", "initializeCommand": "./.devcontainer/init.sh"}
    repo = scene.course({".devcontainer/init.sh": SETUP}, config=config)
    finding = by_code(check(scene, repo), "devcontainer/initialize-command-windows")
    assert finding.status is Status.WARN and "cmd.exe" in finding.summary
    linux = Scenario(tmp_path / "linux", rooted=False)
    assert codes(check(linux, repo)) == [("devcontainer/ok", Status.OK)]


def test_script_paths_map_from_the_container_to_the_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    file = ConfigFile(repo / ".devcontainer" / "devcontainer.json", "default")
    config = DevcontainerConfig(file, {"workspaceFolder": "/src"})
    assert script_in_repo(config, repo, "/src/tools/x.sh") == "tools/x.sh"
    assert script_in_repo(config, repo, "${containerWorkspaceFolder}/x.sh") == "x.sh"
    assert script_in_repo(config, repo, f"{repo}/y.sh") == "y.sh"
    assert script_in_repo(config, repo, "../outside.sh") is None
    assert script_in_repo(config, repo, "/usr/bin/x.sh") is None
    assert script_in_repo(config, repo, "$HOME/x.sh") is None


def test_the_dockerfile_is_read_once_per_run(tmp_path: Path) -> None:
    """devcontainer (amd64 pins), script-shebangs (what the image installs) and home-volume
    (the final image) all look into the Dockerfile: one read, one answer, per run."""
    from devdoctor import Host
    from devdoctor.checks.image import dockerfile_text

    path = tmp_path / "Dockerfile"
    path.write_text("FROM --platform=linux/amd64 python:3.12\n")
    host = Host(env={}, repo_root=None)
    assert dockerfile_stages(path, {}, host=host)[0].platform == "linux/amd64"
    path.write_text("FROM python:3.12\n")
    assert dockerfile_text(host, path) == "FROM --platform=linux/amd64 python:3.12\n"
    assert dockerfile_stages(path, {}, host=host)[0].platform == "linux/amd64"
    assert dockerfile_stages(path, {}, host=Host(env={}, repo_root=None))[0].platform is None
