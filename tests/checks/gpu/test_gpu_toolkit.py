"""gpu-toolkit on captured hosts: engines with and without the nvidia runtime, CDI, Desktop."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from devdoctor import Finding, Host, Status
from devdoctor.checks.gpu import explain_docker_error, predict_docker_error
from devdoctor.checks.gpu.gpu_toolkit import GpuToolkit

from tests.scenario import Answer, Scenario
from tests.scenario.captured import GPU, GPU_COURSE, docker_answers, h200_answers

PLAIN = "api-info.linux-engine-20.10.json"
RUNTIME = "docker-info.nvidia-runtime.derived.json"
WITH_CDI = "docker-info.docker-cli-testdata-with-devices.json"
DESKTOP = "docker-info.desktop-wsl2.derived.json"
GPU_RUN = "run --rm --pull=never --gpus=all --entrypoint nvidia-smi ghcr.io/synerbi/sirf:petric -L"



def run(host: Host) -> dict[str, Finding]:
    check = GpuToolkit()
    assert check.skip_reason(host) is None
    return {f.slug: f for f in check.run(host)}


def h200(tmp: Path, info: str | None, **docker: object) -> Scenario:
    fake = Scenario.gpu_machine(tmp)
    fake.program("nvidia-smi", h200_answers())
    fake.program("docker", docker_answers(info, **docker))  # type: ignore[arg-type]
    return fake


def hook(fake: Scenario) -> None:
    """nvidia-container-runtime-hook where the toolkit's package puts it."""
    fake.file("/usr/bin/nvidia-container-runtime-hook").chmod(0o755)


def test_h100_without_docker_or_toolkit(tmp_path: Path) -> None:
    found = run(Scenario.gpu_machine(tmp_path).gpu("h100").host())
    finding = found["no-toolkit"]
    assert finding.status is Status.FAIL
    assert finding.summary == (
        "no NVIDIA Container Toolkit and no Docker engine here: containers cannot get the GPU"
    )
    assert dict(finding.evidence)["engine"] == "did not answer (docker: not found on PATH)"


def test_engine_without_the_nvidia_runtime(tmp_path: Path) -> None:
    found = run(h200(tmp_path, PLAIN).host())
    assert set(found) == {"no-toolkit"}
    assert 'could not select device driver "" with capabilities: [[gpu]]' in found["no-toolkit"].detail
    assert "nvidia-ctk runtime configure" in found["no-toolkit"].detail


def test_engine_with_the_nvidia_runtime(tmp_path: Path) -> None:
    fake = h200(tmp_path, RUNTIME)
    hook(fake)
    found = run(fake.host())
    assert found["ready"].status is Status.OK
    assert "the nvidia runtime (nvidia-container-runtime)" in found["ready"].summary
    assert "--gpus (/usr/bin/nvidia-container-runtime-hook)" in found["ready"].summary


def test_runtime_in_daemon_json_but_not_in_the_engine(tmp_path: Path) -> None:
    fake = h200(tmp_path, PLAIN)
    runtime_default = GPU / "docker/daemon.json.nvidia-runtime-default.json"
    fake.file("/etc/docker/daemon.json", runtime_default.read_bytes())
    hook(fake)
    found = run(fake.host())
    assert found["restart-docker"].status is Status.WARN
    assert "systemctl restart docker" in found["restart-docker"].detail


def test_engine_discovering_cdi_devices(tmp_path: Path) -> None:
    found = run(h200(tmp_path, WITH_CDI).host())
    assert found["ready"].summary == "Docker can hand the GPU to containers through CDI (nvidia.com/gpu=gpu0)"


def test_cdi_spec_on_disk_the_engine_reads(tmp_path: Path) -> None:
    # The docker/cli fixture with its NVIDIA device taken out: only the spec on disk names one.
    info = (GPU / "docker" / WITH_CDI).read_text().replace('"nvidia.com/gpu=gpu0"', '"x.com/y=z"')
    fake = h200(tmp_path, WITH_CDI)
    fake.program("docker", {"info --format {{json .}}": Answer(info.encode())})
    fake.file("/etc/cdi/nvidia.yaml", (GPU / "cdi/nvidia.yaml").read_bytes())
    found = run(fake.host())
    assert "CDI (nvidia.com/gpu=0, nvidia.com/gpu=all)" in found["ready"].summary
    assert "cdi-lost-at-boot" not in found


def test_cdi_spec_only_in_var_run_is_lost_at_boot(tmp_path: Path) -> None:
    fake = h200(tmp_path, WITH_CDI)
    fake.file("/var/run/cdi/nvidia.yaml", (GPU / "cdi/nvidia.yaml").read_bytes())
    found = run(fake.host())
    assert found["cdi-lost-at-boot"].status is Status.WARN
    fake.file("/usr/lib/systemd/system/nvidia-cdi-refresh.service", "[Unit]\n")
    assert "cdi-lost-at-boot" not in run(fake.host())


def test_cdi_specs_an_old_engine_does_not_read(tmp_path: Path) -> None:
    fake = h200(tmp_path, RUNTIME)
    fake.file("/etc/cdi/nvidia.yaml", (GPU / "cdi/nvidia.yaml").read_bytes())
    found = run(fake.host())
    assert found["cdi-off"].status is Status.INFO


def test_docker_desktop_on_wsl(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    fake.program("docker", docker_answers(DESKTOP))
    found = run(fake.host())
    assert set(found) == {"desktop"}
    assert found["desktop"].status is Status.OK
    assert "--deep" in found["desktop"].detail


def test_docker_desktop_on_linux_has_no_gpu(tmp_path: Path) -> None:
    found = run(h200(tmp_path, DESKTOP).host())
    assert found["desktop-without-gpu"].status is Status.FAIL


def test_no_engine_but_the_toolkit(tmp_path: Path) -> None:
    fake = h200(tmp_path, None)
    hook(fake)
    found = run(fake.host())
    assert found["engine-unknown"].status is Status.WARN
    assert "Cannot connect to the Docker daemon" in dict(found["engine-unknown"].evidence)["engine"]


def test_no_engine_on_wsl_waits_for_docker_desktop(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    fake.program("docker", docker_answers(None))
    assert run(fake.host())["engine-unknown"].status is Status.WARN


def test_runtime_nvidia_in_run_args_without_the_runtime(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text('{"image": "a", "runArgs": ["--runtime=nvidia"]}')
    fake = h200(tmp_path, PLAIN)
    hook(fake)
    found = run(fake.host(repo=repo))
    assert found["run-args-fail"].summary == (
        "docker run will fail for runArgs --runtime=nvidia: Unknown runtime specified nvidia"
    )
    # A current engine words it differently (what users of Docker 2x report).
    newer = (GPU / "docker" / PLAIN).read_text().replace("20.10.24+dfsg1", "28.0.0")
    fake.program("docker", {"info --format {{json .}}": Answer(newer.encode())})
    assert predict_docker_error(fake.host(repo=repo), ["--runtime=nvidia"]) == (
        "unknown or invalid runtime name: nvidia"
    )


def test_host_requirement_alone_and_an_engine_without_the_runtime(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text('{"image": "a", "hostRequirements": {"gpu": true}}')
    found = run(h200(tmp_path, WITH_CDI).host(repo=repo))
    assert found["cli-misses-gpu"].status is Status.WARN
    assert '"--gpus"' in found["cli-misses-gpu"].detail


# ----------------------------------------------------------------------- the prediction


@pytest.mark.parametrize(
    ("info", "with_hook", "args", "error"),
    [
        (PLAIN, False, ["--gpus", "all"], 'could not select device driver "" with capabilities: [[gpu]]'),
        (PLAIN, True, ["--gpus=all"], None),
        (PLAIN, True, ["--runtime", "nvidia"], "Unknown runtime specified nvidia"),
        (RUNTIME, True, ["--runtime=nvidia", "--gpus", "all"], None),
        (WITH_CDI, False, ["--device", "nvidia.com/gpu=all"], "unresolvable CDI devices nvidia.com/gpu=all"),
        (WITH_CDI, False, ["--device=nvidia.com/gpu=gpu0"], None),
        (PLAIN, False, ["--device=nvidia.com/gpu=all"], 'could not select device driver "cdi" with capabilities: []'),
        (PLAIN, False, ["--cpus", "2"], None),
    ],
)
def test_predicted_docker_errors(
    tmp_path: Path, info: str, with_hook: bool, args: list[str], error: str | None
) -> None:
    fake = h200(tmp_path, info)
    if with_hook:
        hook(fake)
    assert predict_docker_error(fake.host(), args) == error


def test_prediction_without_a_driver(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path)
    fake.program("docker", docker_answers(PLAIN))
    hook(fake)
    assert predict_docker_error(fake.host(), ["--gpus", "all"]) == (
        "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: "
        "cannot open shared object file: no such file or directory"
    )
    mac = Scenario.gpu_machine(tmp_path / "mac").platform("macos")
    assert predict_docker_error(mac.host(), ["--gpus", "all"]) == (
        'could not select device driver "" with capabilities: [[gpu]]'
    )


def test_every_predicted_error_is_explained() -> None:
    from devdoctor.checks.gpu import docker_errors

    messages = (
        docker_errors.NO_DEVICE_DRIVER,
        docker_errors.NO_NVML,
        docker_errors.NO_RUNTIME,
        docker_errors.NO_RUNTIME_OLD,
        docker_errors.NO_CDI,
        docker_errors.NO_CDI_DEVICE.format(device="nvidia.com/gpu=all"),
    )
    slugs = [explain_docker_error(f"docker: Error response from daemon: {m}.") for m in messages]
    assert [s[0] if s else None for s in slugs] == [
        "no-device-driver",
        "no-driver-libraries",
        "no-nvidia-runtime",
        "no-nvidia-runtime",
        "cdi-off",
        "no-cdi-spec",
    ]


# ----------------------------------------------------------------------- --deep


def course_with_local_image(tmp: Path) -> Path:
    repo = tmp / "course"
    shutil.copytree(GPU_COURSE, repo)
    return repo


def test_deep_runs_the_course_image_and_reads_the_error(tmp_path: Path) -> None:
    said = b'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].\n'
    fake = h200(
        tmp_path,
        PLAIN,
        images="ghcr.io/synerbi/sirf:petric\nbusybox:latest\n",
        runs={GPU_RUN: Answer(b"", said, 125)},
    )
    found = run(fake.host(repo=course_with_local_image(tmp_path), deep=True))
    smoke = found["smoke-no-device-driver"]
    assert smoke.status is Status.FAIL
    assert "--pull=never" in dict(smoke.evidence)["ran"]
    assert "nvidia-container-runtime-hook" in smoke.detail


def test_deep_sees_the_gpu(tmp_path: Path) -> None:
    listed = h200_answers()["-L"].stdout
    fake = h200(
        tmp_path, RUNTIME, images="ghcr.io/synerbi/sirf:petric\n", runs={GPU_RUN: Answer(listed)}
    )
    hook(fake)
    found = run(fake.host(repo=course_with_local_image(tmp_path), deep=True))
    assert found["smoke"].summary == "a container sees the GPU: NVIDIA H200"
    assert "GPU-ec0fe4cb" not in repr(found)


def test_deep_never_pulls(tmp_path: Path) -> None:
    fake = h200(tmp_path, RUNTIME, images="busybox:latest\n")
    found = run(fake.host(repo=course_with_local_image(tmp_path), deep=True))
    assert found["smoke-no-image"].status is Status.INFO
    assert "never pulls" in found["smoke-no-image"].summary


@pytest.mark.parametrize(
    ("said", "slug"),
    [
        (
            "docker: Error response from daemon: failed to create task for container: failed to create shim task: "
            "OCI runtime create failed: runc create failed: unable to start container process: error during container "
            "init: error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as "
            "'legacy'\nnvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot "
            "open shared object file: no such file or directory: unknown.\n",
            "smoke-no-driver-libraries",
        ),
        ("docker: Error response from daemon: unknown or invalid runtime name: nvidia.\n", "smoke-no-nvidia-runtime"),
        ("docker: Error response from daemon: something new.\n", "smoke-failed"),
    ],
)
def test_deep_known_errors(tmp_path: Path, said: str, slug: str) -> None:
    fake = h200(
        tmp_path,
        PLAIN,
        images="ghcr.io/synerbi/sirf:petric\n",
        runs={GPU_RUN: Answer(b"", said.encode(), 125)},
    )
    found = run(fake.host(repo=course_with_local_image(tmp_path), deep=True))
    assert slug in found
    assert found[slug].status is (Status.WARN if slug == "smoke-failed" else Status.FAIL)


def test_windows_itself_with_docker_desktop(tmp_path: Path) -> None:
    """devdoctor in PowerShell: nvidia-smi from the Windows driver on PATH, Docker Desktop."""
    from devdoctor.checks.gpu.gpu_driver import GpuDriver

    fake = Scenario.gpu_machine(tmp_path).platform("windows")
    fake.program("nvidia-smi", h200_answers())
    fake.program("docker", docker_answers(DESKTOP))
    host = fake.host()
    driver = {f.slug: f for f in GpuDriver().run(host)}
    assert driver["gpu"].summary.startswith("NVIDIA H200")
    assert "kernel module" not in dict(driver["gpu"].evidence)  # no /proc on Windows
    assert run(host)["desktop"].status is Status.OK


def test_devcontainer_quotes_the_error_this_engine_prints_for_the_flags(tmp_path: Path) -> None:
    """gpus-without-gpu uses the same GPU facts: --runtime=nvidia on an engine without it."""
    import json as _json

    from devdoctor.checks.course.devcontainer import Devcontainer

    fake = Scenario.gpu_machine(tmp_path)  # no NVIDIA driver at all
    fake.program("docker", docker_answers("api-info.linux-engine-20.10.json"))
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    config = {"image": "debian:12", "runArgs": ["--runtime=nvidia"]}
    (repo / ".devcontainer" / "devcontainer.json").write_text(_json.dumps(config))
    findings = {f.code: f for f in Devcontainer().run(fake.host(repo=repo))}
    finding = findings["devcontainer/gpus-without-gpu"]
    assert "Unknown runtime specified nvidia" in finding.detail  # Docker 20.10's own words
