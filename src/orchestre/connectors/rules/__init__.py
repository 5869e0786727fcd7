"""Each network's publishing rules, as data plus code: text counting, media limits."""

from orchestre.connectors.rules.media import check_media as check_media
from orchestre.connectors.rules.text import check_text as check_text
from orchestre.connectors.rules.types import NETWORKS as NETWORKS
from orchestre.connectors.rules.types import MediaFacts as MediaFacts
from orchestre.connectors.rules.types import TextReport as TextReport
from orchestre.connectors.rules.types import Violation as Violation
