"""Facebook Reels on a Page (Reels Publishing API): start an upload session, send the
video to the upload host (the file's bytes, or its https address as `file_url`), then
finish with `video_state=PUBLISHED`. Meta allows 30 API-published Reels a Page per
24 hours; beyond, its answer is a rate limit like any other.
"""

from __future__ import annotations

from contextlib import ExitStack

from orchestre.connectors.base import DraftPost, PermanentError
from orchestre.connectors.meta.graph import Graph
from orchestre.connectors.meta.shared import is_video, local_file

NETWORK = "facebook"


def publish_reel(graph: Graph, page_id: str, draft: DraftPost, caption: str) -> str:
    """Publish the draft's one video as a Reel; its id is the Reel's (and its post's)."""
    if len(draft.media) != 1 or not is_video(draft.media[0]):
        raise PermanentError("A Facebook Reel is one video.", network=NETWORK, code="media")
    media = draft.media[0]
    # A session is harmless if nothing follows: retrying its creation is safe.
    start = graph.post(f"/{page_id}/video_reels", {"upload_phase": "start"}, idempotent=True)
    video_id, upload_url = str(start["video_id"]), str(start["upload_url"])
    with ExitStack() as files:
        path = local_file(media, network=NETWORK)
        headers = graph.upload_auth()
        if path is None:
            headers["file_url"] = media.uri
            body = None
        else:
            headers |= {"offset": "0", "file_size": str(path.stat().st_size)}
            body = files.enter_context(path.open("rb"))
        # Sending the same bytes again to the same session is harmless.
        graph.call("POST", upload_url, headers=headers, content=body, idempotent=True)
    graph.post(
        f"/{page_id}/video_reels",
        {
            "upload_phase": "finish",
            "video_id": video_id,
            "video_state": "PUBLISHED",
            "description": caption,
        },
        client_ref=draft.client_ref,
    )
    return video_id
