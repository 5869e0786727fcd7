"""Each network's publishing rules, as data plus code: text counting, media limits."""

from orchestre.connectors.rules.media import check_media as check_media
