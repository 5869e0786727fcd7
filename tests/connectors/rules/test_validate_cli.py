"""`orchestre validate`: one JSON object, exit 0 when the post passes, 1 when not, 2 on misuse."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from orchestre import cli_validate
from orchestre.cli import app
from orchestre.connectors.rules.types import MediaFacts, Violation

runner = CliRunner()
FFMPEG = shutil.which("ffmpeg")
# Media rules are another module; without it the command reports the media facts only.
HAS_MEDIA_RULES = importlib.util.find_spec("orchestre.connectors.rules.media") is not None


def run(*args: str, input: str | None = None) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["validate", *args], input=input)
    return result.exit_code, json.loads(result.stdout) if result.exit_code in (0, 1) else {}


def text_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "post.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def image(tmp_path: Path, width: int, height: int, name: str = "photo.jpg") -> str:
    path = tmp_path / name
    Image.new("RGB", (width, height), (200, 120, 40)).save(path, format="JPEG")
    return str(path)


def test_a_post_that_passes_exits_0(tmp_path: Path) -> None:
    post = text_file(tmp_path, "Découvrez notre atelier 👩\u200d🎨 https://maison-lumiere.fr")
    code, result = run("--network", "x", "--text-file", post)
    assert code == 0
    assert result["ok"] is True
    assert result["length"] == len("Découvrez notre atelier ") + 2 + 1 + 23
    assert result["limit"] == 280
    assert result["violations"] == []


def test_a_post_that_breaks_a_rule_exits_1_and_says_what_to_do(tmp_path: Path) -> None:
    code, result = run("--network", "bluesky", "--text-file", text_file(tmp_path, "é" * 301))
    assert code == 1
    assert result["ok"] is False
    assert (result["length"], result["limit"]) == (301, 300)
    [violation] = result["violations"]
    assert {k: violation[k] for k in ("rule", "field", "limit", "actual")} == {
        "rule": "text.length",
        "field": "text",
        "limit": 300,
        "actual": 301,
    }
    assert "Shorten it by 1 character." in violation["message"]


def test_reads_standard_input(tmp_path: Path) -> None:
    code, result = run("--network", "threads", "--text-file", "-", input="Bonjour ❤️")
    assert code == 0
    assert result["length"] == 8 + 6


def test_mastodon_instance_options(tmp_path: Path) -> None:
    post = text_file(tmp_path, "a" * 600)
    assert run("--network", "mastodon", "--text-file", post)[0] == 1
    code, result = run("--network", "mastodon", "--text-file", post, "--max-characters", "1000")
    assert (code, result["limit"]) == (0, 1000)


def test_youtube_title(tmp_path: Path) -> None:
    post = text_file(tmp_path, "Les coulisses de la collection.")
    code, result = run("--network", "youtube", "--text-file", post)
    assert code == 1
    assert [v["rule"] for v in result["violations"]] == ["title.required"]
    assert run("--network", "youtube", "--text-file", post, "--title", "Coulisses")[0] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--network", "myspace"],
        ["--network", "x", "--text-file", "/nonexistent/post.txt"],
        ["--text-file", "post.txt"],
        ["--network", "x", "--text-file", "post.txt", "--media", "/nonexistent.jpg"],
        ["--network", "mastodon", "--text-file", "post.txt", "--max-characters", "0"],
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.txt").write_text("Bonjour", encoding="utf-8")
    if args[:2] == ["--network", "myspace"]:
        args = [*args, "--text-file", "post.txt"]
    result = runner.invoke(app, ["validate", *args])
    assert result.exit_code == 2


def test_unknown_network_lists_the_known_ones(tmp_path: Path) -> None:
    post = text_file(tmp_path, "Bonjour")
    result = runner.invoke(app, ["validate", "--network", "myspace", "--text-file", post])
    assert result.exit_code == 2
    assert "bluesky" in result.output


def test_text_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "post.txt"
    path.write_bytes("Été".encode("latin-1"))
    result = runner.invoke(app, ["validate", "--network", "x", "--text-file", str(path)])
    assert result.exit_code == 2
    assert "UTF-8" in result.output


def test_media_are_measured_from_their_content(tmp_path: Path) -> None:
    post = text_file(tmp_path, "Nouvelle collection #printemps")
    photo = image(tmp_path, 1080, 1350, name="photo.png")  # a JPEG named .png
    code, result = run("--network", "instagram", "--text-file", post, "--media", photo)
    [facts] = result["media"]
    assert facts["path"] == photo
    assert (facts["kind"], facts["content_type"]) == ("image", "image/jpeg")
    assert (facts["width"], facts["height"]) == (1080, 1350)
    assert facts["size_bytes"] == Path(photo).stat().st_size
    assert result["media_rules_checked"] is HAS_MEDIA_RULES
    assert code == 0, result["violations"]


class FakeMediaRules:
    def __init__(self, answer: list[Violation] | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, list[MediaFacts], str]] = []

    def __call__(self, network: str, media: list[MediaFacts], format: str) -> list[Violation]:
        self.calls.append((network, media, format))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_media_rules_get_the_facts_and_the_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Violation("instagram", "media.aspect_ratio", "media[0]", "9:16", "1:1", "Crop it.")
    rules = FakeMediaRules([broken])
    monkeypatch.setattr(cli_validate, "_media_checker", lambda: rules)
    post = text_file(tmp_path, "Reel")
    photo = image(tmp_path, 1080, 1080)
    code, result = run(
        "--network", "instagram", "--text-file", post, "--media", photo, "--format", "reel"
    )
    assert code == 1
    [(network, [facts], media_format)] = rules.calls
    assert (network, media_format) == ("instagram", "reel")
    assert (facts.kind, facts.width, facts.height) == ("image", 1080, 1080)
    assert result["violations"] == [
        {
            "rule": "media.aspect_ratio",
            "field": "media[0]",
            "limit": "9:16",
            "actual": "1:1",
            "message": "Crop it.",
            "severity": "error",
        }
    ]


def test_warnings_alone_keep_the_post_ok(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hint = Violation("x", "media.alt_text", "media[0]", None, "", "Add alt text.", "warning")
    monkeypatch.setattr(cli_validate, "_media_checker", lambda: FakeMediaRules([hint]))
    post = text_file(tmp_path, "Bonjour")
    code, result = run("--network", "x", "--text-file", post, "--media", image(tmp_path, 800, 800))
    assert (code, result["ok"]) == (0, True)
    assert [v["severity"] for v in result["violations"]] == ["warning"]


def test_without_media_rules_only_the_facts_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_validate, "_media_checker", lambda: None)
    post = text_file(tmp_path, "Bonjour")
    code, result = run("--network", "x", "--text-file", post, "--media", image(tmp_path, 64, 64))
    assert (code, result["media_rules_checked"], result["violations"]) == (0, False, [])
    assert result["media"][0]["width"] == 64


def test_an_unknown_format_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = FakeMediaRules(ValueError("Unknown format 'hologram' for x; x takes: feed."))
    monkeypatch.setattr(cli_validate, "_media_checker", lambda: rules)
    post = text_file(tmp_path, "Bonjour")
    photo = image(tmp_path, 800, 800)
    args = ["validate", "--network", "x", "--text-file", post, "--media", photo]
    result = runner.invoke(app, [*args, "--format", "hologram"])
    assert result.exit_code == 2
    assert "hologram" in result.output


def test_a_file_that_is_not_media_is_a_violation(tmp_path: Path) -> None:
    post = text_file(tmp_path, "Bonjour")
    fake = tmp_path / "photo.jpg"
    fake.write_text("not an image at all", encoding="utf-8")
    code, result = run("--network", "linkedin", "--text-file", post, "--media", str(fake))
    assert code == 1
    [violation] = result["violations"]
    assert (violation["rule"], violation["field"]) == ("media.unreadable", "media[0]")
    assert "upload" in violation["message"]
    assert result["media"] == [{"path": str(fake), "error": violation["message"]}]


@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")
def test_a_video_is_probed_with_its_codecs_and_duration(tmp_path: Path) -> None:
    assert FFMPEG is not None
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=108x192:d=2:r=10",
         "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "2", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-y", str(clip)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    post = text_file(tmp_path, "Les coulisses")
    _, result = run("--network", "tiktok", "--text-file", post, "--media", str(clip))
    [facts] = result["media"]
    assert (facts["kind"], facts["content_type"]) == ("video", "video/mp4")
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    assert facts["duration_seconds"] == pytest.approx(2, abs=0.2)
    assert facts["frame_rate"] == pytest.approx(10)
    assert result["media_rules_checked"] is HAS_MEDIA_RULES
