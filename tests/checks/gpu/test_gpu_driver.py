"""gpu-driver on captured hosts: the H100, an H200, WSL 2, no driver, a failing driver."""

from __future__ import annotations

from pathlib import Path

import pytest
from devdoctor import Finding, Host, Status
from devdoctor.checks.gpu import host_has_gpu
from devdoctor.checks.gpu.gpu_driver import GpuDriver

from tests.scenario import Scenario
from tests.scenario.captured import failing_answers, h100_answers, h200_answers

UUIDS = ("GPU-00000000-1111-2222-3333-444444444444", "GPU-ec0fe4cb-a050-e8ba-a083-96c9e73a3732")



def run(host: Host) -> dict[str, Finding]:
    check = GpuDriver()
    assert check.skip_reason(host) is None
    findings = list(check.run(host))
    text = repr(findings)
    assert not any(uuid in text for uuid in UUIDS)  # never in a finding, so never in a report
    return {f.slug: f for f in findings}


def test_h100_host(tmp_path: Path) -> None:
    found = run(Scenario.gpu_machine(tmp_path).gpu("h100").host(config="gpu"))
    gpu = found["gpu"]
    assert gpu.status is Status.OK
    assert gpu.summary == "NVIDIA H100 80GB HBM3, 79.6 GiB, compute 9.0, driver 580.159.04, CUDA 13.0"
    facts = dict(gpu.evidence)
    assert facts["nvidia smi"] == "/usr/local/nvidia/bin/nvidia-smi"  # not on PATH: its usual place
    assert facts["kernel module"] == "580.159.04"
    assert "/dev/nvidia0" in facts["devices"] and "/dev/nvidiactl" in facts["devices"]
    assert set(found) == {"gpu"}


def test_h200_host(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path)
    fake.program("nvidia-smi", h200_answers())
    gpu = run(fake.host(config="gpu"))["gpu"]
    assert gpu.summary == "NVIDIA H200, 140.4 GiB, compute 9.0, driver 580.159.04, CUDA 13.0"


def test_a_gpu_host_picks_the_gpu_variant_by_itself(tmp_path: Path) -> None:
    host = Scenario.gpu_machine(tmp_path).gpu("h100").host()
    assert host.provided("variant") == ("gpu", "this computer has an NVIDIA GPU")
    assert GpuDriver().skip_reason(host) is None


def test_older_driver_without_compute_cap_gets_the_basic_query(tmp_path: Path) -> None:
    answers = h100_answers()
    query = next(a for a in answers if a.startswith("--query-gpu=index,name,uuid"))
    answers[query] = answers["--query-gpu=not.a.field --format=csv"]  # the real exit-2 answer
    answers["--query-gpu=index,name,driver_version,memory.total --format=csv"] = type(
        answers[query]
    )(b"index, name, driver_version, memory.total [MiB]\n0, NVIDIA H100 80GB HBM3, 580.159.04, 81559 MiB\n")
    fake = Scenario.gpu_machine(tmp_path).gpu("h100")
    fake.program("nvidia-smi", answers, at="/usr/local/nvidia/bin")
    gpu = run(fake.host(config="gpu"))["gpu"]
    assert gpu.summary.startswith("NVIDIA H100 80GB HBM3, 79.6 GiB, driver 580.159.04")


def test_unreadable_query_falls_back_to_the_list(tmp_path: Path) -> None:
    answers = h100_answers()
    query = next(a for a in answers if a.startswith("--query-gpu=index,name,uuid"))
    answers[query] = answers["-L"]  # an answer to another question
    fake = Scenario.gpu_machine(tmp_path).gpu("h100")
    fake.program("nvidia-smi", answers, at="/usr/local/nvidia/bin")
    found = run(fake.host(config="gpu"))
    assert found["gpu"].summary.startswith("NVIDIA H100 80GB HBM3, driver 580.159.04")
    assert found["query-unreadable"].status is Status.INFO


def test_no_driver(tmp_path: Path) -> None:
    found = run(Scenario.gpu_machine(tmp_path).host(config="gpu"))
    assert found["no-driver"].status is Status.FAIL
    assert "ubuntu-drivers" in found["no-driver"].detail
    assert not host_has_gpu(Scenario.gpu_machine(tmp_path).host())


def test_module_loaded_without_nvidia_smi(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("h100")
    (fake.path("/usr/local/nvidia/bin/nvidia-smi")).unlink()
    found = run(fake.host(config="gpu"))
    assert found["no-nvidia-smi"].status is Status.WARN
    assert "580.159.04" in found["no-nvidia-smi"].summary


@pytest.mark.parametrize("rc", [9, 255])
def test_failing_driver(tmp_path: Path, rc: int) -> None:
    fake = Scenario.gpu_machine(tmp_path)
    fake.program("nvidia-smi", failing_answers(rc))
    found = run(fake.host(config="gpu"))
    finding = found["no-communication"]
    assert finding.status is Status.FAIL
    assert dict(finding.evidence)["said"].startswith("NVIDIA-SMI has failed because it couldn't")
    assert dict(finding.evidence)["kernel module"] == "not loaded"


def test_no_gpu_visible_is_exit_6(tmp_path: Path) -> None:
    answers = h100_answers()
    fake = Scenario.gpu_machine(tmp_path)
    fake.program("nvidia-smi", {"-L": answers["--query-gpu=name --format=csv -i 99"]})
    assert run(fake.host(config="gpu"))["no-devices"].status is Status.FAIL


def test_wsl_with_the_windows_driver(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    fake.program("nvidia-smi", failing_answers())  # a stray Linux copy on PATH is not asked first
    found = run(fake.host(config="gpu"))
    gpu = found["gpu"]
    assert gpu.summary == "NVIDIA GeForce RTX 3060 Laptop GPU, 6 GiB, compute 8.6, driver 566.36, CUDA 12.7"
    assert dict(gpu.evidence)["dev dxg"] == "present"
    assert dict(gpu.evidence)["nvidia smi"] == "/usr/lib/wsl/lib/nvidia-smi"


def test_wsl_without_dxg(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    (fake.path("/dev/dxg")).unlink()
    assert run(fake.host(config="gpu"))["no-dxg"].status is Status.FAIL


def test_wsl_without_the_windows_driver(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    (fake.path("/usr/lib/wsl/lib/nvidia-smi")).unlink()
    found = run(fake.host(config="gpu"))
    assert found["no-windows-driver"].status is Status.FAIL


def test_a_linux_driver_inside_wsl_fails(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    for name in ("nvidia-utils-535:amd64.list", "libnvidia-compute-535:amd64.list", "bash.list"):
        fake.file(f"/var/lib/dpkg/info/{name}", "/.\n")
    fake.program("nvidia-smi", failing_answers(), at="/usr/bin")
    found = run(fake.host(config="gpu"))
    wrong = found["linux-driver-in-wsl"]
    assert wrong.status is Status.FAIL
    assert dict(wrong.evidence) == {
        "packages": "libnvidia-compute-535, nvidia-utils-535",
        "files": "/usr/bin/nvidia-smi",
    }
    assert "apt remove --purge" in wrong.detail
    assert found["gpu"].status is Status.OK  # the Windows driver itself still answers


def test_links_to_windows_copies_are_not_a_linux_driver(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    lib = fake.path("/usr/lib/x86_64-linux-gnu/libcuda.so.1")
    lib.parent.mkdir(parents=True)
    lib.symlink_to("/usr/lib/wsl/lib/libcuda.so.1")
    assert "linux-driver-in-wsl" not in run(fake.host(config="gpu"))


def test_optional_gpu_is_at_most_info(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text(
        '{"image": "debian:12", "hostRequirements": {"gpu": "optional"}}'
    )
    found = run(Scenario.gpu_machine(tmp_path).host(repo=repo))
    assert found["no-driver"].status is Status.INFO
    assert "would be fail" in found["no-driver"].detail


@pytest.mark.parametrize(
    ("policy", "config", "skip"),
    [
        ("", "cpu", "the cpu configuration does not use a GPU (chosen: --config)"),
        ("[gpu]\nrequired = false\n", "gpu", "the course's policy says no GPU is needed"),
        ("[gpu]\nrequired = true\n", "cpu", None),
    ],
)
def test_when_it_applies(tmp_path: Path, policy: str, config: str, skip: str | None) -> None:
    repo = tmp_path / "course"
    for variant, body in (("cpu", '{"image": "a"}'), ("gpu", '{"image": "a", "runArgs": ["--gpus=all"]}')):
        (repo / ".devcontainer" / variant).mkdir(parents=True)
        (repo / ".devcontainer" / variant / "devcontainer.json").write_text(body)
    (repo / ".devdoctor.toml").write_text(f"schema = 1\n{policy}")
    reason = GpuDriver().skip_reason(Scenario.gpu_machine(tmp_path).host(repo=repo, config=config))
    assert reason == skip or (skip is not None and reason is not None and reason.startswith(skip))


def test_students_without_a_gpu_get_the_cpu_variant_and_a_skip(tmp_path: Path) -> None:
    host = Scenario.gpu_machine(tmp_path).host()
    reason = GpuDriver().skip_reason(host)
    assert reason == "the cpu configuration does not use a GPU (chosen: the default configuration)"


def test_course_mode_and_macos_skip(tmp_path: Path) -> None:
    course_run = Scenario.gpu_machine(tmp_path).gpu("h100").host(course=True)
    assert GpuDriver().skip_reason(course_run) == (
        "--course judges the course repository, not this computer's GPU"
    )
    mac = Scenario.gpu_machine(tmp_path).platform("macos")
    assert "macOS" in (GpuDriver().skip_reason(mac.host(config="gpu")) or "")


def test_nvidia_smi_list_is_run_once_per_run(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("h100")
    host = fake.host()
    host.provided("variant")  # the variant choice asks first
    run(host)
    calls = fake.calls("nvidia-smi")
    assert calls.count("-L") == 1
    assert len(calls) == 3  # -L, the query, --version (which has the CUDA version)
