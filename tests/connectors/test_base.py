"""The connector contract: plain frozen data, typed failures, capabilities asked by name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from orchestre.connectors.base import (
    AccountRef,
    AmbiguousError,
    BaseInstallation,
    Capability,
    ConnectorError,
    CredentialError,
    DraftPost,
    Installation,
    MediaRef,
    PermanentError,
    PublishedRef,
    RetryableError,
    UnsupportedCapability,
    required_capabilities,
)


class _TextOnly(BaseInstallation):
    network = "textonly"

    def publish(self, draft: DraftPost) -> PublishedRef:
        return PublishedRef(
            "1", None, datetime(2030, 1, 1, tzinfo=UTC), client_ref=draft.client_ref
        )


def test_data_objects_are_frozen() -> None:
    draft = DraftPost(text="Bonjour")
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.text = "changed"  # type: ignore[misc]


def test_every_failure_kind_is_a_connector_error_with_its_own_facts() -> None:
    retry = RetryableError("slow down", retry_after=30, network="x")
    permanent = PermanentError("Text too long", network="x", code="400")
    credential = CredentialError("refresh failed", definitive=False)
    ambiguous = AmbiguousError("no answer", client_ref="v-1")
    assert all(isinstance(e, ConnectorError) for e in (retry, permanent, credential, ambiguous))
    assert retry.retry_after == 30
    assert permanent.reason == "Text too long"
    assert credential.definitive is False
    assert ambiguous.client_ref == "v-1"
    assert not isinstance(ambiguous, RetryableError)


def test_a_base_installation_refuses_what_it_does_not_override() -> None:
    installation = _TextOnly(AccountRef(network="textonly", external_id="a"))
    assert isinstance(installation, Installation)
    assert installation.publish(DraftPost(text="hi", client_ref="c")).client_ref == "c"
    with pytest.raises(UnsupportedCapability) as caught:
        installation.reply("1", "merci")
    assert caught.value.capability is Capability.REPLY
    assert "textonly does not support reply" in caught.value.reason
    with pytest.raises(PermanentError) as unverifiable:
        installation.find_by_client_ref("c")
    assert unverifiable.value.code == "unverifiable"
    assert installation.refresh_credentials() == installation.account.credentials


def test_a_draft_says_which_capabilities_it_needs() -> None:
    assert required_capabilities(DraftPost(text="hi")) == {Capability.PUBLISH_TEXT}
    # A captioned video is a video post: TikTok and YouTube publish no text alone.
    video = DraftPost(text="Caption", media=(MediaRef("v.mp4", "video/mp4"),))
    assert required_capabilities(video) == {Capability.PUBLISH_VIDEO}
    rich = DraftPost(
        text="1/2",
        thread=("2/2",),
        first_comment="Lien en commentaire",
        media=(MediaRef("a.jpg", "image/jpeg", "Une tasse"), MediaRef("b.mp4", "video/mp4")),
        options={"format": "carousel"},
    )
    assert required_capabilities(rich) == {
        Capability.PUBLISH_THREAD,
        Capability.FIRST_COMMENT,
        Capability.PUBLISH_IMAGE,
        Capability.PUBLISH_VIDEO,
        Capability.PUBLISH_CAROUSEL,
    }
