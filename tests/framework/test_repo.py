"""The repository's state: one `git status` call gives the commit, local changes and branch."""

from __future__ import annotations

from pathlib import Path

from devdoctor.repo import git_branch, git_state

from tests.scenario import Scenario


def test_one_status_call_says_the_commit_the_changes_and_the_branch(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "course\n"}, config={"image": "debian:12"})
    scene.git("checkout", "-q", "-b", "gpufrozen", repo=repo)
    (repo / "README.md").write_text("changed\n")
    host = scene.host()
    head = scene.git("rev-parse", "--short=7", "HEAD", repo=repo).strip()
    assert git_state(host) == {"head": head, "dirty": True}
    assert git_branch(host) == "gpufrozen"


def test_a_detached_checkout_has_no_branch(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "course\n"}, config={"image": "debian:12"})
    scene.git("checkout", "-q", "--detach", repo=repo)
    host = scene.host()
    assert git_branch(host) is None
    assert git_state(host)["dirty"] is False


def test_no_repository_no_state(tmp_path: Path) -> None:
    host = Scenario(tmp_path).host()
    assert host.repo_root is None
    assert git_state(host) == {"head": None, "dirty": None}
    assert git_branch(host) is None
